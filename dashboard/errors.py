"""What a viewer sees when something goes wrong: a Chinese message with the next step, never a traceback.

Streamlit's own error box is English, names Streamlit Cloud and links to
outside search sites; tracebacks can carry data.  The detail goes to the
server log instead, under an error number the viewer can quote.
"""

from __future__ import annotations

import logging
import uuid

import streamlit as st

__all__ = ["show_script_error"]

log = logging.getLogger("dashboard")

_MESSAGE = {
    "zh": "页面出错了（错误编号 {ref}）。请刷新页面重试；如仍出错，请把错误编号告诉管理员，服务器日志中有详细记录。",
    "en": "Something went wrong on this page (error {ref}). Reload the page; if it happens again, give the error "
          "number to the administrator: the server log has the details.",
}


def show_script_error(exc: BaseException) -> bool:
    """Log ``exc`` with a short reference and show the viewer a message in their language.

    Used by the router around every page and as ``st.App(on_script_error=...)`` for fragments and
    widget callbacks; returns True so Streamlit shows nothing of its own.
    """
    ref = uuid.uuid4().hex[:8]
    log.error("page error %s", ref, exc_info=exc)
    try:
        lang = "en" if st.query_params.get("lang") == "en" else "zh"
    except Exception:  # no script context: still show the Chinese message
        lang = "zh"
    st.error(_MESSAGE[lang].format(ref=ref))
    return True
