"""Data shown through Streamlit's Markdown (titles, captions, headings) or our own HTML: as text, never markup.

A compound named ``![t](http://host/x.png)`` would otherwise make every
viewer's browser fetch that address (and a ``[link](…)`` invite a click).
No Streamlit import: pure functions, tested without a browser.
"""

from __future__ import annotations

import html
import re

__all__ = ["html_text", "md"]

# every ASCII punctuation character CommonMark lets a backslash escape, plus Streamlit's :emoji: colon
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=^])")
_ENTITIES = {c: f"&#{ord(c)};" for c in "[]()!*_`#~|$:\\"}


_WORD_JOINER = "\u2060"  # invisible: breaks a bare URL or address that Markdown would turn into a link
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)


def md(text: object) -> str:
    """``text`` for ``st.title``/``st.caption``/``st.subheader``/``st.markdown``: shown exactly as written.

    Markdown's characters are backslash-escaped, and a bare ``http://…``, ``www.…`` or ``a@b`` gets an
    invisible word joiner, so it is not turned into a link either.
    """
    clean = " ".join(str(text).split())  # a newline could start a heading or a list
    return _MARKDOWN.sub(r"\\\1", _AUTOLINK.sub(_WORD_JOINER, clean))


def html_text(text: object) -> str:
    """``text`` inside our own HTML (``unsafe_allow_html``): HTML-escaped, and Markdown's characters as entities."""
    escaped = html.escape(" ".join(str(text).split()))
    return "".join(_ENTITIES.get(c, c) for c in escaped)
