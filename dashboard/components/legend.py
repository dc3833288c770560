"""The map's legend: the colour bins drawn and the kinds of facility in view, as HTML.

Above the map on the desk view; under the grid table on the projector and the always-on screen,
where the height above the map is better spent on the map.  Sized with the window.
"""

from __future__ import annotations

from dashboard.components.community_map import FACILITY_STYLE, NO_COLOUR, OVERDUE_RING, Measure, legend_items
from dashboard.i18n import facility_kind, t
from dashboard.safe_text import html_text

__all__ = ["legend_html"]

_SIZE = {False: "1.05rem", True: "clamp(0.8rem, min(2vh, 1.2vw), 2.4rem)"}


def legend_html(measure: Measure, mode: str, facility_kinds: list[str], lang: str, *, projector: bool = False,
                uncoloured: bool = False, overdue: bool = False) -> str:
    """The legend (``data-testid="map-legend"``), in one flowing paragraph.

    ``uncoloured``: some grids are too small to colour on the projector (they are drawn pale).
    """
    items = legend_items(measure, lambda k: t(k, lang))
    if uncoloured:
        items.append((NO_COLOUR, t("too_few_to_colour", lang)))
    swatches = "".join(
        f'<span style="display:inline-block;margin-right:1.1em;white-space:nowrap">'
        f'<span style="display:inline-block;width:1.35em;height:1em;background:{c};border:1px solid #444;'
        f'vertical-align:middle;margin-right:0.35em"></span>{html_text(text)}</span>'
        for c, text in items)
    dots = "".join(
        f'<span style="display:inline-block;margin-right:0.9em;white-space:nowrap">'
        f'<span style="display:inline-block;width:0.75em;height:0.75em;border-radius:50%;background:{c};'
        f'vertical-align:middle;margin-right:0.25em"></span>{html_text(facility_kind(kind, lang))}</span>'
        for kind, (c, _) in FACILITY_STYLE.items() if kind in facility_kinds)
    level = t("grid", lang) if measure.level == "grid" else t("building", lang)
    unit = f"（{t(measure.unit, lang)}）" if measure.unit else ""
    facilities = f'<br><b>{t("facilities", lang)}：</b>{dots}' if dots else ""
    if overdue:  # the ring drawn on buildings with reports past their time limit
        facilities += (f'<br><span style="display:inline-block;width:0.8em;height:0.8em;border-radius:50%;'
                       f'border:3px solid {OVERDUE_RING};vertical-align:middle;margin-right:0.35em"></span>'
                       f'{html_text(t("overdue_reports", lang))}')
    return (f'<div data-testid="map-legend" style="font-size:{_SIZE[projector]};color:#000;line-height:1.6">'
            f"<b>{t('legend', lang)} · {level} · {t(mode, lang)}{unit}：</b>{swatches}{facilities}</div>")
