"""Serve Leaflet from the app itself: no CDN, so the map draws on an intranet.

The files come from the pinned ``xstatic-leaflet`` package and folium's own
templates; they are copied into ``dashboard/static/`` (served by Streamlit at
``/app/static/``) the first time the app starts.  Only library files go
there: ``/app/static`` has no login, so never resident data.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import folium
import folium.plugins
import xstatic.pkg.leaflet as xleaflet

__all__ = ["STATIC_DIR", "STATIC_URL", "ensure_static", "use_local_leaflet"]

STATIC_DIR = Path(__file__).with_name("static")
STATIC_URL = "/app/static"


def ensure_static() -> None:
    """Copy Leaflet's JS, CSS and images and the heat plugin into ``static/`` once."""
    source = Path(xleaflet.BASE_DIR)
    target = STATIC_DIR / "leaflet"
    if not (target / "leaflet.js").exists():
        target.mkdir(parents=True, exist_ok=True)
        for name in ("leaflet.js", "leaflet.css"):
            shutil.copyfile(source / name, target / name)
        shutil.copytree(source / "images", target / "images", dirs_exist_ok=True)
    heat = Path(folium.__file__).parent / "templates" / "leaflet_heat.min.js"
    if not (STATIC_DIR / "leaflet_heat.min.js").exists():
        shutil.copyfile(heat, STATIC_DIR / "leaflet_heat.min.js")


def use_local_leaflet() -> None:
    """Point folium at the local copies and drop the CDN-only extras we do not use."""
    folium.Map.default_js = [("leaflet", f"{STATIC_URL}/leaflet/leaflet.js")]
    folium.Map.default_css = [("leaflet_css", f"{STATIC_URL}/leaflet/leaflet.css")]
    folium.plugins.HeatMap.default_js = [("leaflet-heat.js", f"{STATIC_URL}/leaflet_heat.min.js")]


if __name__ == "__main__":  # `python -m dashboard.assets`, run by `make run` before the server starts
    ensure_static()
