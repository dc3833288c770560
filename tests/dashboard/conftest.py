"""AppTest fixtures: the whole app (router, sidebar, pages) on the demo artifact."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "streamlit_app.py")


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One store with a user per role, shared by the dashboard tests."""
    from tests.store import store_with_users

    return store_with_users(tmp_path_factory.mktemp("store"))


def login_as(monkeypatch: pytest.MonkeyPatch, store: str, username: str) -> None:
    """Make the app's browser session belong to ``username`` (AppTest cannot send a cookie)."""
    from tests.store import token_for

    token = token_for(store, username)
    monkeypatch.setenv("DATABASE_URL", store)
    monkeypatch.setattr("dashboard.auth.token_from_browser", lambda: token)


@pytest.fixture
def app(demo_artifact: Path, monkeypatch: pytest.MonkeyPatch, store: str) -> AppTest:
    """The app on the demo artifact, as the community leader (every grid, personal data masked), not yet run."""
    monkeypatch.setenv("COMMUNITY_GPKG", str(demo_artifact))
    login_as(monkeypatch, store, "leader")
    return AppTest.from_file(APP, default_timeout=60)


def kpis(at: AppTest) -> dict[str, str]:
    """The KPI strip as label → shown value: ``st.metric`` tiles on the desk view, our HTML tiles in meeting mode."""
    import html
    import re

    shown = {m.label: m.value for m in at.metric}
    for block in (md.value for md in at.markdown if 'data-testid="kpi-tiles"' in md.value):
        for value, label in re.findall(r'<div class="kpi-value">(.*?)</div><div class="kpi-label">(.*?)</div>', block):
            shown[html.unescape(label)] = html.unescape(value)
    return shown
