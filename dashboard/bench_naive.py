"""The naive map the dashboard benchmark compares against: every building in one GeoJSON layer.

Not part of the product: ``python -m dashboard.bench`` serves it to measure what a plain
streamlit-folium map of the same artifact costs on this machine.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import folium
import geopandas as gpd
from streamlit_folium import st_folium

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dashboard.assets import ensure_static, use_local_leaflet  # noqa: E402

ensure_static()
use_local_leaflet()
buildings = gpd.read_file(os.environ["COMMUNITY_GPKG"], layer="buildings", columns=["building_id", "households"])
fmap = folium.Map(tiles=None)
fmap.fit_bounds([[buildings.total_bounds[1], buildings.total_bounds[0]],
                 [buildings.total_bounds[3], buildings.total_bounds[2]]])
folium.GeoJson(buildings, tooltip=folium.GeoJsonTooltip(fields=["building_id", "households"])).add_to(fmap)
st_folium(fmap, returned_objects=[], height=560, use_container_width=True)
