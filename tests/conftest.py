"""Shared fixtures: the demo sample folder and one demo build per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "geodata" / "sample"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The committed demo community."""
    return SAMPLE


@pytest.fixture(scope="session")
def demo_artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo community built once into a temporary GeoPackage."""
    from pipelines.build import run_build

    out = tmp_path_factory.mktemp("artifact") / "community.gpkg"
    run_build(SAMPLE, out, progress=False)
    return out


@pytest.fixture(scope="session", autouse=True)
def _store_outside_the_project(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Builds write to the audit log: in tests, to a store of their own, never the project's var/."""
    import os

    os.environ["DATABASE_URL"] = f"sqlite:///{tmp_path_factory.mktemp('var') / 'community.sqlite'}"
    os.environ["PHOTO_DIR"] = str(tmp_path_factory.mktemp("photos"))  # report photos too
