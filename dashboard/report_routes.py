"""The public report page (no login): a resident files a report, gets a receipt number, and later follows it.

``GET /report`` shows the form: a category, a description, the place (compound → building in one list,
or a click on the map), an optional photo and an optional contact.  ``POST /report`` files it and shows
the receipt number once.  ``/report/track`` takes the receipt number, and only that, and shows the
report's steps; there the resident rates a closed report (1–5), reopens it within the days allowed, or
withdraws it while nobody has started.  Each address may file a few reports per hour and look up a
few dozen receipts (workflow.toml).  Plain HTML forms: they work on any phone, with or without script;
the map is an extra for those who have it.  Nothing personal is on these pages but the resident's own
report (their contact is never shown back).
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from dashboard.routes import same_origin
from operations import photos, reports
from operations.models import Report, utcnow
from operations.places import Place, Places, current_places, load_places
from operations.reports import Actor, ReportError
from operations.settings import LOCAL_ZONE, artifact_path
from operations.store import db
from operations.workflow import ROLE_NAMES, WorkflowError, workflow

__all__ = ["REPORT_ROUTES", "TRACK_PER_HOUR", "local_time"]

TRACK_PER_HOUR = 30  # receipt lookups per address per hour: guessing a receipt is hopeless at this pace
RESIDENT = Actor("居民", "resident")

_CSS = """body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;background:#f3f5f8;
margin:0;color:#1b1b1b;font-size:17px}main{max-width:40rem;margin:0 auto;padding:1rem}
h1{font-size:1.45rem;margin:.4rem 0 1rem}h2{font-size:1.15rem;margin:1.2rem 0 .5rem}
form,.card{background:#fff;padding:1rem 1.2rem;border-radius:8px;box-shadow:0 1px 6px #0002;margin-bottom:1rem}
label{display:block;margin:.9rem 0 .3rem;font-weight:600}.hint{color:#555;font-size:.9rem;margin:.2rem 0}
input,select,textarea{width:100%;box-sizing:border-box;font-size:1.05rem;padding:.55rem;border:1px solid #99a;
border-radius:4px}textarea{min-height:7rem}button{margin-top:1rem;width:100%;font-size:1.15rem;padding:.75rem;
background:#1f3b73;color:#fff;border:0;border-radius:6px}button.light{background:#e8ecf4;color:#1f3b73}
.msg{color:#b00020;font-weight:600}.ok{color:#14632a}.receipt{font-size:clamp(1.3rem,7vw,2rem);letter-spacing:.08em;
font-weight:700;text-align:center;padding:.6rem;border:2px dashed #1f3b73;border-radius:8px;margin:.8rem 0;
white-space:nowrap}.js-only{display:none}.js .js-only{display:block}.js .no-js{display:none}
blockquote{margin:.4rem 0;padding:.4rem .8rem;background:#f3f5f8;border-left:4px solid #99a;white-space:pre-wrap}
#map{height:16rem;border-radius:6px;margin-top:.4rem;display:none}.js #map{display:block}
ol.steps{padding-left:1.4rem}ol.steps li{margin:.3rem 0}.done{color:#14632a}.now{font-weight:700}
.todo{color:#888}table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.35rem;
border-bottom:1px solid #ddd;vertical-align:top}.stars label{display:inline-block;margin-right:1rem;
font-weight:400}.stars input{width:auto}nav a{color:#1f3b73;margin-right:1rem}"""

_TEXT = {
    "zh": {
        "title": "码上提泉心办 · 居民诉求", "category": "问题类别", "choose": "请选择",
        "description": "问题描述", "description_hint": "发生了什么、在哪里、持续多久。请不要写他人的姓名或电话。",
        "place": "地点", "building": "小区和楼栋", "no_building": "（不在楼内：请在下方地图上点选，或写在描述里）",
        "map_hint": "也可以在地图上点一下问题所在的位置。", "map_hint_no_js": "不在楼内的问题，请在描述里写明位置。",
        "map_set": "已在地图上选定位置", "cross_site": "请从本社区的诉求页面提交。",
        "photo": "照片（可选）", "photo_hint": "JPG 或 PNG，{mb} MB 以内。位置、相机等信息会被去除。",
        "contact": "联系方式（可选）", "contact_hint": "只给社区工作人员看，方便回访。", "submit": "提交诉求",
        "filed": "已收到您的诉求", "receipt": "您的回执号", "receipt_hint":
            "请记下或截图保存回执号。凭它（且只凭它）可以查询进度、评价和重新打开，请勿告诉他人。",
        "number": "工单编号", "track": "查询进度", "track_title": "查询诉求进度", "receipt_input": "回执号",
        "receipt_placeholder": "例如 7KQ2-M9XD-4TPA", "not_found": "没有找到这个回执号，请核对后再输入。",
        "too_many": "提交太频繁，请一小时后再试；紧急情况请直接打电话给社区居委会。",
        "too_many_track": "查询太频繁，请一小时后再试。", "state": "当前进度", "history": "处理记录",
        "when": "时间", "step": "步骤", "who": "处理人", "note": "说明", "rate": "评价这次处理",
        "rate_hint": "1 分很不满意，5 分很满意。", "rate_submit": "提交评价", "rated": "您的评价：{n} 分，谢谢！",
        "reopen": "问题没有解决？重新打开", "reopen_note": "还有什么问题", "reopen_submit": "重新打开",
        "cancel": "不需要处理了？撤销诉求", "cancel_note": "撤销原因", "cancel_submit": "撤销",
        "due": "处理时限", "duplicate": "附近 {days} 天内已有同类诉求（{numbers}），社区会一并处理。",
        "new": "再提交一条", "lang": "English", "other": "en", "submitted_at": "提交时间",
        "privacy": "本页只保存您提交的内容；照片会去除位置等信息后保存。", "outside": "所选位置不在本社区范围内。",
        "no_map": "地图数据尚未生成，请选择楼栋。", "changed": "已更新。", "yours": "您反映的问题",
        "transferred": "已转交：{where}", "duplicate_of": "与工单 {number} 为同一问题，将一并处理",
        "again": "这份诉求已经提交过（刷新页面不会重复提交）。",
    },
    "en": {
        "title": "Report a problem to the community", "category": "Category", "choose": "Choose",
        "description": "What is wrong", "description_hint": "What, where, since when. Please do not write other "
                                                            "people's names or phone numbers.",
        "place": "Place", "building": "Compound and building",
        "no_building": "(not in a building: click the map, or say where in the description)",
        "map_hint": "Or click the place on the map.",
        "map_hint_no_js": "Not in a building? Say where in the description.", "map_set": "Place chosen on the map",
        "cross_site": "Please use this community's own report page.",
        "photo": "Photo (optional)", "photo_hint": "JPG or PNG, up to {mb} MB. Location and camera data are removed.",
        "contact": "Contact (optional)", "contact_hint": "Seen only by community staff, to call you back.",
        "submit": "Send", "filed": "Your report has been received", "receipt": "Your receipt number",
        "receipt_hint": "Keep this number (a screenshot will do). With it, and only with it, you can follow, "
                        "rate and reopen your report. Do not share it.",
        "number": "Report number", "track": "Follow my report", "track_title": "Follow a report",
        "receipt_input": "Receipt number", "receipt_placeholder": "e.g. 7KQ2-M9XD-4TPA",
        "not_found": "No report has this receipt number. Please check it.",
        "too_many": "Too many reports from here: please try again in an hour, or call the community office.",
        "too_many_track": "Too many look-ups from here: please try again in an hour.", "state": "Now",
        "history": "History", "when": "When", "step": "Step", "who": "By", "note": "Note",
        "rate": "Rate how it was handled", "rate_hint": "1 very unhappy … 5 very happy.", "rate_submit": "Rate",
        "rated": "Your rating: {n}. Thank you!", "reopen": "Not solved? Reopen it", "reopen_note": "What is still "
                                                                                                    "wrong",
        "reopen_submit": "Reopen", "cancel": "No longer needed? Withdraw it", "cancel_note": "Why",
        "cancel_submit": "Withdraw", "due": "Due by", "duplicate": "A similar report nearby in the last {days} "
                                                                  "days ({numbers}): they will be handled together.",
        "new": "Report another problem", "lang": "中文", "other": "zh", "submitted_at": "Submitted",
        "privacy": "Only what you send is kept; photos are stored without location data.",
        "outside": "The place chosen is outside this community.", "no_map": "No map yet: choose a building.",
        "changed": "Updated.", "yours": "What you reported", "transferred": "Passed on to: {where}",
        "duplicate_of": "The same problem as report {number}: handled together",
        "again": "This report was already sent (reloading does not send it twice).",
    },
}


def local_time(value: datetime | None) -> str:
    """A stored UTC time as Beijing time, to the minute ("" for none)."""
    if value is None:
        return ""
    return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M")


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh"


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


def _page(lang: str, title: str, body: str, status: int = 200) -> HTMLResponse:
    text = _TEXT[lang]
    nav = (f'<nav><a href="/report?lang={lang}">{text["new"]}</a><a href="/report/track?lang={lang}">'
           f'{text["track"]}</a><a href="?lang={text["other"]}">{text["lang"]}</a></nav>')
    page = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{html.escape(title)}</title>'
            f'<link rel="stylesheet" href="/app/static/leaflet/leaflet.css"><style>{_CSS}</style></head>'
            f'<body><main>{nav}{body}</main></body></html>')
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})


def _form_page(lang: str, places: Places | None, message: str = "", values: dict[str, str] | None = None,
               status: int = 200) -> HTMLResponse:
    text, rules, values = _TEXT[lang], workflow(), values or {}
    chosen = values.get("category", "")
    categories = "".join(f'<option value="{html.escape(c)}"{" selected" if c == chosen else ""}>{html.escape(c)}'
                         f'</option>' for c in rules.categories)
    building = values.get("building", "")
    groups = ""
    for _cid, name, items in (places.compounds() if places else []):
        options = "".join(f'<option value="{html.escape(bid)}"{" selected" if bid == building else ""}>'
                          f'{html.escape(label)}</option>' for bid, label in items)
        groups += f'<optgroup label="{html.escape(name or "")}">{options}</optgroup>'
    shown = f'<p class="msg" role="alert">{html.escape(message)}</p>' if message else ""
    body = (f'<h1>{text["title"]}</h1><form method="post" action="/report?lang={lang}" enctype="multipart/form-data">'
            f'{shown}<label for="category">{text["category"]}</label><select id="category" name="category" required>'
            f'<option value="">{text["choose"]}</option>{categories}</select>'
            f'<label for="description">{text["description"]}</label><p class="hint">{text["description_hint"]}</p>'
            f'<textarea id="description" name="description" maxlength="{reports.MAX_DESCRIPTION}" required>'
            f'{html.escape(values.get("description", ""))}</textarea>'
            f'<label for="building">{text["building"]}</label><select id="building" name="building">'
            f'<option value="">{text["no_building"]}</option>{groups}</select>'
            f'<p class="hint js-only">{text["map_hint"] if places else text["no_map"]}</p>'
            f'<p class="hint no-js">{text["map_hint_no_js"]}</p>'
            f'<input type="hidden" name="form_id" value="{secrets.token_urlsafe(16)}">'
            f'<div id="map" data-lang="{lang}"></div><p class="hint ok" id="map-set" hidden>{text["map_set"]}</p>'
            f'<input type="hidden" id="lat" name="lat" value="{html.escape(values.get("lat", ""))}">'
            f'<input type="hidden" id="lon" name="lon" value="{html.escape(values.get("lon", ""))}">'
            f'<label for="photo">{text["photo"]}</label>'
            f'<p class="hint">{text["photo_hint"].format(mb=f"{rules.photo_max_mb:g}")}</p>'
            f'<input id="photo" name="photo" type="file" accept="image/jpeg,image/png">'
            f'<label for="contact">{text["contact"]}</label><p class="hint">{text["contact_hint"]}</p>'
            f'<input id="contact" name="contact" maxlength="64" autocomplete="tel" '
            f'value="{html.escape(values.get("contact", ""))}">'
            f'<button type="submit">{text["submit"]}</button><p class="hint">{text["privacy"]}</p></form>'
            f'<script src="/app/static/leaflet/leaflet.js"></script><script src="/report/map.js"></script>')
    return _page(lang, text["title"], body, status)


async def report_form(request: Request) -> Response:
    """GET /report: the form."""
    places = await run_in_threadpool(current_places)
    return _form_page(_lang(request), places)


def _float(value: str) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN is not a place


class _Filed:
    """Forms already filed in this process (form id → report, receipt, similar reports), for an hour.

    A reload of the receipt page posts the form again: it shows the same receipt, it does not file twice.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, tuple[Report, str, list[str]] | None]] = {}

    def claim(self, form_id: str) -> tuple[bool, tuple[Report, str, list[str]] | None]:
        """(True, None) for a new form (now reserved); (False, earlier outcome or None while it is filed)."""
        now = time.monotonic()
        with self._lock:
            for key in [k for k, (at, _) in self._seen.items() if now - at > 3600]:
                del self._seen[key]
            if form_id in self._seen:
                return False, self._seen[form_id][1]
            self._seen[form_id] = (now, None)
            return True, None

    def done(self, form_id: str, outcome: tuple[Report, str, list[str]] | None) -> None:
        """Record the outcome (None: it failed, the form may be sent again)."""
        with self._lock:
            if outcome is None:
                self._seen.pop(form_id, None)
            else:
                self._seen[form_id] = (time.monotonic(), outcome)


FILED = _Filed()


async def file_report(request: Request) -> Response:
    """POST /report: check the address's rate, the photo and the fields; file the report; show the receipt."""
    lang, text, rules = _lang(request), _TEXT[_lang(request)], workflow()
    if not same_origin(request):
        return _page(lang, text["title"], f'<p class="msg">{text["cross_site"]}</p>', 403)
    form = await request.form(max_files=1, max_fields=20)
    form_id = str(form.get("form_id") or "")[:64]
    if form_id:
        fresh, earlier = FILED.claim(form_id)
        if not fresh:
            if earlier is None:  # the same form is being filed right now (a double click)
                return _track_form(lang, text["again"], 409)
            return _receipt_page(lang, *earlier, again=True)
    values = {k: str(form.get(k) or "") for k in ("category", "description", "building", "lat", "lon", "contact")}
    upload = form.get("photo")
    data = await upload.read(int(rules.photo_max_mb * 1024 * 1024) + 1) if isinstance(upload, UploadFile) else b""
    places = await run_in_threadpool(current_places)

    def place() -> Place:
        if places is None:
            return Place()
        if values["building"]:
            found = places.building(values["building"])
            if found is not None:
                return found
        lat, lon = _float(values["lat"]), _float(values["lon"])
        if lat is not None and lon is not None:
            if not places.contains(lat, lon):
                raise ReportError(text["outside"])
            return places.at(lat, lon)
        return Place()

    def file() -> tuple[Report, str, list[str]] | str:
        where = place()
        with db() as session:
            if not reports.allow_submission(session, _address(request), "report", rules.rate_limit_per_hour):
                return text["too_many"]
        stored = photos.save_photo(data, max_mb=rules.photo_max_mb, max_side=rules.photo_max_side) if data else ""
        with db() as session:
            report, receipt = reports.submit(session, category=values["category"], description=values["description"],
                                             place=where, actor=RESIDENT, contact=values["contact"], photo=stored,
                                             source="public", channel="网页")
            hints = [r.number for r in reports.duplicate_hints(session, report)]
            return report, receipt, hints

    try:
        outcome = await run_in_threadpool(file)
    except (ReportError, WorkflowError) as exc:
        FILED.done(form_id, None)
        return _form_page(lang, places, str(exc).split(" / ")[0 if lang == "zh" else -1], values, 400)
    except BaseException:
        FILED.done(form_id, None)
        raise
    if isinstance(outcome, str):
        FILED.done(form_id, None)
        return _form_page(lang, places, outcome, values, 429)
    if form_id:
        FILED.done(form_id, outcome)
    return _receipt_page(lang, *outcome)


def _receipt_page(lang: str, report: Report, receipt: str, hints: list[str], again: bool = False) -> HTMLResponse:
    """The receipt, shown after filing (and again on a reload of that page: the same receipt)."""
    text, rules = _TEXT[lang], workflow()
    shown = f'<p class="ok" role="status">{text["again"]}</p>' if again else ""
    similar = text["duplicate"].format(days=rules.duplicate_days, numbers="、".join(hints[:3]))
    hint = f'<p class="hint" id="similar">{html.escape(similar)}</p>' if hints else ""
    body = (f'<h1>{text["filed"]}</h1>{shown}<div class="card"><p>{text["receipt"]}</p>'
            f'<div class="receipt" id="receipt">{html.escape(receipt)}</div><p class="hint">{text["receipt_hint"]}</p>'
            f'<p>{text["number"]}：<b id="number">{html.escape(report.number)}</b></p>'
            f'<p>{text["state"]}：{html.escape(rules.label(report.status, lang))}</p>{hint}</div>'
            f'<form method="post" action="/report/track?lang={lang}"><input type="hidden" name="receipt" '
            f'value="{html.escape(receipt)}"><button type="submit">{text["track"]}</button></form>')
    return _page(lang, text["filed"], body)


def _track_form(lang: str, message: str = "", status: int = 200) -> HTMLResponse:
    text = _TEXT[lang]
    shown = f'<p class="msg" role="alert">{html.escape(message)}</p>' if message else ""
    body = (f'<h1>{text["track_title"]}</h1><form method="post" action="/report/track?lang={lang}">{shown}'
            f'<label for="receipt">{text["receipt_input"]}</label><input id="receipt" name="receipt" required '
            f'autocomplete="off" placeholder="{text["receipt_placeholder"]}" maxlength="20">'
            f'<button type="submit">{text["track"]}</button></form>')
    return _page(lang, text["track_title"], body, status)


async def track_form(request: Request) -> Response:
    """GET /report/track: ask for the receipt number (it never travels in an address)."""
    return _track_form(_lang(request))


def _status_page(lang: str, report: Report, events: list, receipt: str, message: str = "") -> HTMLResponse:  # type: ignore[type-arg]
    text, rules = _TEXT[lang], workflow()
    current = rules.states.get(report.status)
    reopened = max((i for i, e in enumerate(events) if e.action == "reopen"), default=0)
    reached = {e.to_status: e.at for e in events[:1]}  # 信息采集 once; the rest since the last reopening
    reached.update({e.to_status: e.at for e in events[reopened:]})
    steps = ""
    for state in sorted((s for s in rules.states.values() if s.step), key=lambda s: s.step or 0):
        at = reached.get(state.key)
        kind = "now" if state.key == report.status else ("done" if at else "todo")
        steps += (f'<li class="{kind}">{html.escape(state.en if lang == "en" else state.label)}'
                  f'{"　" + local_time(at) if at else ""}</li>')
    if current and current.step is None:
        steps += f'<li class="now">{html.escape(rules.label(report.status, lang))}</li>'
    places = current_places()
    grid_names = places.grid_names if places else {}

    def note(event: object) -> str:
        said = str(getattr(event, "note", ""))
        if getattr(event, "action", "") == "dispatch" and said.startswith("派遣至 "):  # a grid's name, not its code
            said = "派遣至 " + grid_names.get(said.removeprefix("派遣至 "), said.removeprefix("派遣至 "))
        return said

    rows = "".join(f'<tr><td>{local_time(e.at)}</td><td>{html.escape(rules.label(e.to_status, lang))}</td>'
                   f'<td>{html.escape(ROLE_NAMES.get(e.role, e.role) if lang == "zh" else e.role)}</td>'
                   f'<td>{html.escape(note(e))}</td></tr>' for e in events)
    hidden = f'<input type="hidden" name="receipt" value="{html.escape(receipt)}">'
    actions = ""
    if report.rating:
        actions += f'<p class="ok">{text["rated"].format(n=report.rating)}</p>'
    if "rate" in [t.action for t in rules.actions_for(report.status, "resident")]:
        stars = "".join(f'<label><input type="radio" name="rating" value="{n}" required> {n}</label>'
                        for n in range(1, 6))
        actions += (f'<form method="post" action="/report/track/rate?lang={lang}">{hidden}<h2>{text["rate"]}</h2>'
                    f'<p class="hint">{text["rate_hint"]}</p><div class="stars">{stars}</div>'
                    f'<button type="submit">{text["rate_submit"]}</button></form>')
    resident_moves = [t.action for t in rules.actions_for(report.status, "resident")]
    if "reopen" in resident_moves and report.closed_at and \
            utcnow() - report.closed_at <= timedelta(days=rules.reopen_days):
        actions += (f'<form method="post" action="/report/track/reopen?lang={lang}">{hidden}<h2>{text["reopen"]}</h2>'
                    f'<label for="reopen-note">{text["reopen_note"]}</label><textarea id="reopen-note" name="note" '
                    f'required></textarea><button type="submit" class="light">{text["reopen_submit"]}</button></form>')
    if "cancel" in resident_moves:
        actions += (f'<form method="post" action="/report/track/cancel?lang={lang}">{hidden}<h2>{text["cancel"]}</h2>'
                    f'<label for="cancel-note">{text["cancel_note"]}</label><input id="cancel-note" name="note" '
                    f'required><button type="submit" class="light">{text["cancel_submit"]}</button></form>')
    shown = f'<p class="ok" role="status">{html.escape(message)}</p>' if message else ""
    due = (f'<p>{text["due"]}：{local_time(report.due_at)}</p>'
           if report.due_at and report.status in ("dispatched", "in_progress", "resolved") else "")
    if report.status == "transferred" and report.transfer_to:
        due += f'<p><b>{html.escape(text["transferred"].format(where=report.transfer_to))}</b></p>'
    if report.status == "duplicate" and report.duplicate_of:
        due += f'<p><b>{html.escape(text["duplicate_of"].format(number=report.duplicate_of))}</b></p>'
    due += f'<p>{text["yours"]}：</p><blockquote>{html.escape(report.description)}</blockquote>'
    body = (f'<h1>{text["track_title"]}</h1>{shown}<div class="card"><p>{text["number"]}：<b>'
            f'{html.escape(report.number)}</b>　{html.escape(report.category)}</p>'
            f'<p>{text["submitted_at"]}：{local_time(report.submitted_at)}</p>'
            f'<p>{text["state"]}：<b id="state">{html.escape(rules.label(report.status, lang))}</b></p>{due}'
            f'<ol class="steps">{steps}</ol></div><div class="card"><h2>{text["history"]}</h2><table id="history">'
            f'<tr><th>{text["when"]}</th><th>{text["step"]}</th><th>{text["who"]}</th><th>{text["note"]}</th></tr>'
            f'{rows}</table></div>{actions}')
    return _page(lang, text["track_title"], body)


async def _with_receipt(request: Request, action: str | None) -> Response:
    lang, text = _lang(request), _TEXT[_lang(request)]
    if not same_origin(request):
        return _track_form(lang, text["cross_site"], 403)
    form = await request.form(max_files=0, max_fields=5)
    receipt, note, rating = str(form.get("receipt") or ""), str(form.get("note") or ""), str(form.get("rating") or "")

    def run() -> tuple[Report, list, str] | str:  # type: ignore[type-arg]
        with db() as session:
            if not reports.allow_submission(session, _address(request), "track", TRACK_PER_HOUR):
                return text["too_many_track"]
        with db() as session:
            report = reports.by_receipt(session, receipt)
            if report is None:
                return text["not_found"]
            done = ""
            if action:
                try:
                    report = reports.act(session, report.number, action, RESIDENT, note=note,
                                         rating=int(rating) if rating.isdigit() else None)
                    done = text["changed"]
                except (ReportError, WorkflowError) as exc:
                    done = str(exc).split(" / ")[0 if lang == "zh" else -1]
            return report, reports.history(session, report), done

    outcome = await run_in_threadpool(run)
    if isinstance(outcome, str):
        return _track_form(lang, outcome, 429 if outcome == text["too_many_track"] else 404)
    report, events, message = outcome
    return _status_page(lang, report, events, receipt, message)


async def track(request: Request) -> Response:
    """POST /report/track: the report of a receipt number."""
    return await _with_receipt(request, None)


async def rate(request: Request) -> Response:
    """POST /report/track/rate: the resident's rating of a closed report."""
    return await _with_receipt(request, "rate")


async def reopen(request: Request) -> Response:
    """POST /report/track/reopen: the resident reopens a report closed not long ago."""
    return await _with_receipt(request, "reopen")


async def cancel(request: Request) -> Response:
    """POST /report/track/cancel: the resident withdraws a report nobody has started on."""
    return await _with_receipt(request, "cancel")


def _buildings_geojson() -> dict[str, object]:
    import geopandas as gpd

    path = artifact_path()
    if not path.exists():
        return {"type": "FeatureCollection", "features": []}
    places = load_places(path)
    shapes = gpd.read_file(path, layer="buildings", columns=["building_id"])
    features = []
    for bid, geometry in zip(shapes["building_id"], shapes.geometry.simplify(0.00001), strict=True):
        place = places.building(str(bid))
        features.append({"type": "Feature", "geometry": geometry.__geo_interface__,
                         "properties": {"id": str(bid), "label": place.address if place else ""}})
    return {"type": "FeatureCollection", "features": features, "bounds": places.bounds}


async def buildings(request: Request) -> Response:
    """GET /report/buildings.json: the buildings' outlines and names (no one's data), for the form's map."""
    return JSONResponse(await run_in_threadpool(_buildings_geojson), headers={"Cache-Control": "max-age=300"})


_MAP_JS = """(function(){document.documentElement.classList.add('js');var el=document.getElementById('map');
if(!el||!window.L){return;}fetch('/report/buildings.json').then(function(r){return r.json();}).then(function(g){
if(!g.features.length){el.style.display='none';return;}var map=L.map(el,{scrollWheelZoom:false});
var pick=document.getElementById('building'),marker=null;var layer=L.geoJSON(g,{style:{color:'#1f3b73',weight:1,
fillOpacity:0.15},onEachFeature:function(f,l){l.bindTooltip(f.properties.label);}}).addTo(map);
map.fitBounds(layer.getBounds());function set(ll,id){document.getElementById('lat').value=ll.lat.toFixed(6);
document.getElementById('lon').value=ll.lng.toFixed(6);if(marker){marker.setLatLng(ll);}else{
marker=L.circleMarker(ll,{radius:9,color:'#b00020',weight:3}).addTo(map);}
document.getElementById('map-set').hidden=false;if(pick){pick.value=id||'';}}
map.on('click',function(e){set(e.latlng,'');});layer.on('click',function(e){L.DomEvent.stopPropagation(e);
set(e.latlng,e.layer.feature.properties.id);});});})();"""


async def map_js(request: Request) -> Response:
    """GET /report/map.js: the form's map (click a place or a building); the form works without it."""
    return Response(_MAP_JS, media_type="application/javascript", headers={"Cache-Control": "max-age=300"})


REPORT_ROUTES = [
    Route("/report", report_form, methods=["GET"]),
    Route("/report", file_report, methods=["POST"]),
    Route("/report/track", track_form, methods=["GET"]),
    Route("/report/track", track, methods=["POST"]),
    Route("/report/track/rate", rate, methods=["POST"]),
    Route("/report/track/reopen", reopen, methods=["POST"]),
    Route("/report/track/cancel", cancel, methods=["POST"]),
    Route("/report/buildings.json", buildings, methods=["GET"]),
    Route("/report/map.js", map_js, methods=["GET"]),
]
