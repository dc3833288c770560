"""AppTest fixtures: the whole app (router, sidebar, pages) on the demo artifact."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "streamlit_app.py")


@pytest.fixture
def app(demo_artifact: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app on the demo artifact, not yet run."""
    monkeypatch.setenv("COMMUNITY_GPKG", str(demo_artifact))
    return AppTest.from_file(APP, default_timeout=60)
