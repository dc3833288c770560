"""Fit the page to the screen it is shown on: the map fills the height left, type grows with the screen.

``st_folium`` only takes a fixed height in pixels, and the server never knows
the browser's window.  So the browser sizes the map itself: a small script
(ours, no data in it) measures where the map's frame starts and sets a CSS
variable to the height left below it, on load, on every resize and whenever
Streamlit redraws; the frame follows the variable, and the map inside it fills
its frame (``community_map``).  Presentation only: nothing private is hidden here.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["MAP_FRAME", "fill_viewport", "scale_type"]

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'

# the root size: 16 px up to a 1920-px-wide screen, then growing to 26 px on a 4K screen; Streamlit sizes
# its text, widgets and gaps in rem, so the whole page grows with it and reads from across the room
_TYPE_CSS = f"""<style>
html {{font-size: clamp(16px, calc(0.52vw + 6px), 26px);}}
{MAP_FRAME} {{height: var(--qx-map-h, 560px) !important;}}
[data-testid="stMetricLabel"] p, [data-testid="stMetricLabel"] div {{white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important;}}
[data-testid="stMetricValue"] {{font-size: clamp(1.5rem, 2.2vw, 2.6rem) !important;}}
</style>"""

_FIT_SCRIPT = """<div id="qx-fit" data-reserve="%d" data-min="%d" style="display:none"></div><script>
(function () {
  function fit() {
    var marker = document.getElementById("qx-fit");
    var frame = document.querySelector('%s');
    if (!marker || !frame) return;
    var top = frame.getBoundingClientRect().top + window.scrollY;
    var room = window.innerHeight - top - parseFloat(marker.dataset.reserve);
    var height = Math.max(parseFloat(marker.dataset.min), Math.floor(room));
    var root = document.documentElement;
    if (root.style.getPropertyValue("--qx-map-h") !== height + "px") {
      root.style.setProperty("--qx-map-h", height + "px");
    }
  }
  var pending = false;
  function soon() { if (!pending) { pending = true; requestAnimationFrame(function () { pending = false; fit(); }); } }
  if (!window.__qxFit) {
    window.__qxFit = true;
    window.addEventListener("resize", soon);
    new MutationObserver(soon).observe(document.body, {childList: true, subtree: true});
  }
  soon();
})();
</script>"""


def scale_type() -> None:
    """Page-wide CSS: type that grows on big screens, metric labels that wrap instead of being cut."""
    st.html(_TYPE_CSS)


def fill_viewport(*, reserve_px: int = 16, min_px: int = 360) -> None:
    """Size the map's frame to the window's height left below it (at least ``min_px``), leaving ``reserve_px``.

    Call it after the map, at the end of the page: it adds no visible element.
    """
    st.html(_FIT_SCRIPT % (reserve_px, min_px, MAP_FRAME), unsafe_allow_javascript=True)
