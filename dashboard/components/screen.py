"""The always-on screen (``?mode=screen``): it keeps itself current, and may rotate between views.

Every ``SCREEN_REFRESH_SECONDS`` (30 by default) a fragment looks at the
artifact's modification time, and only when a new build has arrived does it
redraw the page: nothing moves between builds (no flicker), and nobody has to
reload the screen by hand.  ``?rotate=60`` turns between the red-household map
and the report hotspots every 60 seconds.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

import streamlit as st

from dashboard import data

__all__ = ["ROTATION", "keep_current", "refresh_seconds", "screen_colour_mode"]

ROTATION = ("by_red", "hotspot")  # the grid ranking joins when it exists


def refresh_seconds() -> int:
    """How often the screen looks for a new build (``SCREEN_REFRESH_SECONDS``, default 30)."""
    try:
        return max(1, int(os.environ.get("SCREEN_REFRESH_SECONDS", "30")))
    except ValueError:
        return 30


def _rotate_seconds() -> int:
    try:
        return max(0, int(st.query_params.get("rotate", "0")))
    except ValueError:
        return 0


def screen_colour_mode() -> str:
    """The view shown now: the first of :data:`ROTATION`, or the one whose turn it is with ``?rotate=N``."""
    every = _rotate_seconds()
    return ROTATION[int(time.time() // every) % len(ROTATION)] if every else ROTATION[0]


def _watch(path: str, version: float, mode: str) -> None:
    """Redraw the whole page when a new build arrives or the rotation turns; otherwise draw nothing."""
    if data.artifact_version(data.artifact_path()) != version or screen_colour_mode() != mode:
        st.rerun(scope="app")


def keep_current(path: str, version: float) -> None:
    """Start the watcher for the page drawn from the artifact at ``version``."""
    every = min([s for s in (refresh_seconds(), _rotate_seconds()) if s])
    st.fragment(_watch, run_every=timedelta(seconds=every))(path, version, screen_colour_mode())
