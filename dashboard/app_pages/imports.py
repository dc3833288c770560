"""导入诉求工单 Import reports (administrators only): the mini-program's export into the live store.

A thin page: the upload, the button, the counts and the problem rows. Reading, checking, placing and
writing are all in :mod:`operations.imports` (the command line ``python -m operations import-reports``
does the same).
"""

from __future__ import annotations

import streamlit as st

from dashboard import auth, data
from dashboard.i18n import one_language, t
from dashboard.readable import readable_quality
from dashboard.state import current_lang
from operations.imports import ImportFileError, ImportResult, import_upload, problem_rows, problems_xlsx
from operations.store import StoreError

PAGE_ROWS = 200  # problem rows per page
_RESULT = "import_result"  # session key: the last import of this browser session (paging reruns the page)


def _run(upload: object, lang: str) -> None:
    """Import the uploaded file; keep the result for this session, or show why the file cannot be imported."""
    viewer = auth.current_viewer()
    if viewer is None:
        return
    name = str(getattr(upload, "name", "") or "upload.xlsx")
    content = upload.getvalue()  # type: ignore[attr-defined]
    try:
        with st.spinner(t("importing", lang).format(name=name)):
            result = import_upload(name, content, data.artifact_path(), actor=viewer.username,
                                   role=viewer.role.value, address=auth.address())
    except (ImportFileError, StoreError) as exc:
        st.session_state.pop(_RESULT, None)
        st.error(f"{t('import_failed', lang)} {one_language(str(exc), lang)}")
        return
    st.session_state[_RESULT] = result


def _counts(result: ImportResult, lang: str) -> None:
    st.success(t("import_done", lang).format(name=result.file))
    cols = st.columns(6)
    for col, (key, value) in zip(cols, (("import_rows", result.rows), ("import_added", result.added),
                                        ("import_updated", result.updated), ("import_unchanged", result.unchanged),
                                        ("import_kept", result.kept), ("import_rejected", result.rejected)),
                                 strict=True):
        col.metric(t(key, lang), f"{value:,}")


def _problems(result: ImportResult, lang: str) -> None:
    rows = problem_rows(result)
    if not len(rows):
        st.info(t("import_no_problems", lang))
        return
    st.markdown(f"**{t('import_problems', lang)}**")
    shown = readable_quality(rows, lang)
    severity = t("q_severity", lang)
    shown[severity] = shown[severity].replace("notice", t("sev_notice", lang))
    pages = max(1, -(-len(shown) // PAGE_ROWS))
    page = 1
    if pages > 1:
        page = int(st.number_input(t("page", lang), min_value=1, max_value=pages, value=1, step=1,
                                   key="import_page"))
    first = (page - 1) * PAGE_ROWS
    part = shown.iloc[first:first + PAGE_ROWS]
    st.caption(t("quality_rows_shown", lang).format(first=first + 1, last=first + len(part), total=len(shown),
                                                    pages=pages))
    st.dataframe(part, width="stretch", hide_index=True)
    st.download_button(t("import_export_problems", lang), data=problems_xlsx(result),
                       file_name=f"导入问题_{result.file.rsplit('.', 1)[0]}.xlsx", key="import_problems_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def render() -> None:
    """Draw the page."""
    lang = current_lang()
    viewer = auth.administrator(lang)
    if viewer is None:
        return
    st.title(t("page_imports", lang))
    st.caption(t("imports_help", lang))
    upload = st.file_uploader(t("import_file", lang), type=["xlsx", "xls", "csv"], key="import_file")
    if st.button(t("import_button", lang), key="import_submit", type="primary"):
        if upload is None:
            st.warning(t("import_choose", lang))
        else:
            _run(upload, lang)
    result = st.session_state.get(_RESULT)
    if isinstance(result, ImportResult):
        _counts(result, lang)
        _problems(result, lang)


render()
