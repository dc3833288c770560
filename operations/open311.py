"""Open311 GeoReport v2 over the live report store: the answers (JSON; XML in ``open311_xml``), by pure functions.

The HTTP side is ``dashboard/open311.py``; here are the bodies it sends.  A
service is a report category of ``workflow.toml``'s ``[hours]``, with a stable
ASCII ``service_code`` from :data:`SERVICE_CODES` (a category added to the file
later gets ``category_`` + 8 hex digits of its name's hash).  A request's
``status`` is the ``open311`` field of its state in ``workflow.toml``, and
``status_notes`` the state's Chinese label (任务派遣 …).

What a request shows, and what it never shows:

* times in ISO 8601 with the time zone of the community (Asia/Shanghai, +08:00);
  the store keeps UTC without a zone;
* the description only to a client with a valid ``api_key``, with phone, ID and room numbers, e-mail and
  WeChat/QQ accounts masked (``scrub_text``) and the submitter's own name (given in ``first_name``/
  ``last_name``) masked too; everyone else gets an empty description: other names typed into it cannot be
  found by any rule, and a public feed would publish them;
* ``address`` is the building label (compound and building number, never a room),
  ``address_id`` the building id (the same id a client may POST);
* ``lat``/``long`` exact only for a caller with a valid ``api_key``; everyone else
  gets the centre of a cell of 0.0005° × 0.0006° (about 55 m);
* never the resident's contact, the receipt, the photo's name or the grid worker's username.

Extension of the spec: the answer to ``POST requests`` carries ``receipt``, the
resident's receipt number (shown once: the store keeps only its hash), for the
client to show to the resident, who can follow the report with it.

Errors are :class:`Open311Error` (HTTP status in ``status``); :func:`error_body`
gives the spec's ``[{"code": …, "description": …}]``.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from operations import reports
from operations.models import Report, utcnow
from operations.places import Place, Places
from operations.reports import Actor, ReportError, masked_description
from operations.settings import LOCAL_ZONE
from operations.workflow import Workflow, workflow
from pipelines.privacy import scrub_text

__all__ = ["BadRequest", "Forbidden", "LOCAL_ZONE", "MAX_RESULTS", "NotFound", "Open311Error", "SERVICE_CODES",
           "Service", "Unavailable", "category_for_code", "create_request", "discovery", "error_body",
           "iso_local", "public_point", "request_one", "requests_list", "service_code", "service_definition",
           "services", "status_for"]

MAX_RESULTS = 1000
DEFAULT_DAYS = 90
CELL_LAT, CELL_LON = 0.0005, 0.0006  # about 55 m at 36° N: where a report is, not which door
_UNESCAPED_PLUS = re.compile(r"(?<=\d) (\d\d(?::?\d\d)?)$")
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANNEL = "小程序"


@dataclass(frozen=True)
class Service:
    """How one category is offered to Open311 clients."""

    code: str
    en: str
    group: str
    keywords: str


#: category (workflow.toml ``[hours]``) → its service; the code never changes once clients use it
SERVICE_CODES: dict[str, Service] = {
    "环境卫生": Service("sanitation", "Sanitation", "环境 / environment", "垃圾,清洁,卫生,litter,rubbish"),
    "物业维修": Service("property_repair", "Property repair", "房屋 / housing", "漏水,电梯,楼道灯,维修,repair"),
    "安全隐患": Service("safety_hazard", "Safety hazard", "安全 / safety", "消防,电线,隐患,hazard,fire"),
    "邻里纠纷": Service("neighbour_dispute", "Neighbour dispute", "邻里 / neighbours", "纠纷,调解,dispute"),
    "设施损坏": Service("damaged_facility", "Damaged facility", "环境 / environment", "路灯,座椅,健身器材,damage"),
    "停车交通": Service("parking_traffic", "Parking and traffic", "交通 / traffic", "停车,车辆,道路,parking"),
    "噪音扰民": Service("noise", "Noise", "邻里 / neighbours", "噪音,装修,广场舞,noise"),
    "养老服务": Service("elderly_care", "Elderly care", "服务 / services", "老人,助餐,探访,elderly"),
    "其他": Service("other", "Other", "其他 / other", "其他,other"),
}


class Open311Error(ValueError):
    """A request the API answers with an error; ``status`` is the HTTP status (and the body's ``code``)."""

    status = 400


class BadRequest(Open311Error):
    """400: a missing or malformed field, an unknown service code in a POST, a format other than JSON."""

    status = 400


class Forbidden(Open311Error):
    """403: no ``api_key``, or one that is unknown or revoked."""

    status = 403


class NotFound(Open311Error):
    """404: no such request or service."""

    status = 404


class Unavailable(Open311Error):
    """503: the server cannot take reports now (no artifact to place them in)."""

    status = 503


def error_body(error: Open311Error) -> list[dict[str, Any]]:
    """The spec's error shape: a list of ``{code, description}``."""
    return [{"code": error.status, "description": str(error)}]


def service_code(category: str) -> str:
    """The stable ASCII code of ``category``."""
    known = SERVICE_CODES.get(category)
    if known is not None:
        return known.code
    return "category_" + hashlib.sha256(category.encode()).hexdigest()[:8]


def category_for_code(code: str, rules: Workflow | None = None) -> str | None:
    """The category of a service code, or None when no category of the workflow has it."""
    rules = rules or workflow()
    return next((c for c in rules.categories if service_code(c) == (code or "").strip()), None)


def status_for(state: str, rules: Workflow | None = None) -> str:
    """The Open311 status (``open``/``closed``) of a store state, as workflow.toml maps it."""
    rules = rules or workflow()
    found = rules.states.get(state)
    return found.open311 if found is not None and found.open311 in ("open", "closed") else "closed"


def iso_local(moment: datetime | None) -> str | None:
    """A stored UTC time as ISO 8601 in the community's zone (``2026-12-02T23:58:16+08:00``), or None."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(LOCAL_ZONE).isoformat(timespec="seconds")


def public_point(lat: float, lon: float) -> tuple[float, float]:
    """The centre of the ~55 m cell a point lies in (what a caller without a key sees)."""
    cell_lat = (math.floor(lat / CELL_LAT) + 0.5) * CELL_LAT
    cell_lon = (math.floor(lon / CELL_LON) + 0.5) * CELL_LON
    return round(cell_lat, 6), round(cell_lon, 6)


def discovery(base_url: str = "/open311/v2/") -> dict[str, Any]:
    """The discovery document: where the endpoint is and how to get a key."""
    return {
        "changeset": "2026-12-02T00:00:00+08:00",
        "contact": "社区居委会（泉心社区可视化地图） / the community office",
        "key_service": ("向社区管理员申请接口密钥：python -m operations apikey issue 客户端名称 / "
                        "ask the community's administrator for a key"),
        "endpoints": [{"specification": SPECIFICATION, "url": base_url, "changeset": "2026-12-02T00:00:00+08:00",
                       "type": "production", "formats": ["application/json", "text/xml"]}],
    }


def _service(category: str, rules: Workflow) -> dict[str, Any]:
    known = SERVICE_CODES.get(category)
    hours = rules.hours_for(category)
    return {"service_code": service_code(category), "service_name": category,
            "description": f"{category}（处理时限 {hours:g} 小时） / {known.en if known else category}, "
                           f"time limit {hours:g} hours",
            "metadata": False, "type": "realtime", "keywords": known.keywords if known else category,
            "group": known.group if known else "其他 / other"}


def services(rules: Workflow | None = None) -> list[dict[str, Any]]:
    """One service per category of ``[hours]``, in the file's order."""
    rules = rules or workflow()
    return [_service(c, rules) for c in rules.categories]


def service_definition(code: str, rules: Workflow | None = None) -> dict[str, Any]:
    """The definition of a service: no extra attributes (``metadata`` is false); :class:`NotFound` if unknown."""
    if category_for_code(code, rules) is None:
        msg = f"没有服务 {code} / no such service_code"
        raise NotFound(msg)
    return {"service_code": code, "attributes": []}


def _description(report: Report) -> str:
    """The description as a client with a key sees it (see ``reports.masked_description``)."""
    return masked_description(report)


def _notes(report: Report, rules: Workflow) -> str:
    """The step's name, and where a transferred report went or which report a duplicate repeats."""
    if report.status == "transferred" and report.transfer_to:
        return f"{rules.label(report.status)}：{report.transfer_to}"
    if report.status == "duplicate" and report.duplicate_of:
        return f"{rules.label(report.status)}：同 {report.duplicate_of}"
    return rules.label(report.status)


def _request(report: Report, rules: Workflow, with_key: bool) -> dict[str, Any]:
    lat, lon = report.lat, report.lon
    if lat is not None and lon is not None and not with_key:
        lat, lon = public_point(lat, lon)
    return {
        "service_request_id": report.number,
        "status": status_for(report.status, rules),
        "status_notes": _notes(report, rules),
        "service_name": report.category,
        "service_code": service_code(report.category),
        # the resident's own words only to a client with a key (the mini-program's back end): a public feed
        # would publish whatever names, accounts and addresses people type, and no rule finds every name
        "description": _description(report) if with_key else "",
        "agency_responsible": f"社区网格 {report.grid_id}" if report.grid_id else "社区居委会",
        "service_notice": "",
        "requested_datetime": iso_local(report.submitted_at),
        "updated_datetime": iso_local(report.updated_at),
        "expected_datetime": iso_local(report.due_at),
        "address": scrub_text(report.address or ""),
        "address_id": report.building_id or "",
        "zipcode": "",
        "lat": lat,
        "long": lon,
        "media_url": "",
    }


def _time(value: str, name: str) -> datetime:
    """A query time (ISO 8601; without a zone, the community's) as stored: UTC without a zone.

    A ``+08:00`` sent unescaped in a query string arrives as `` 08:00``: read as the ``+`` it was.
    """
    try:
        moment = datetime.fromisoformat(_UNESCAPED_PLUS.sub(r"+\1", value.strip()))
    except ValueError:
        msg = f"{name} 须为 ISO 8601 时间，如 2026-11-01T00:00:00+08:00 / {name} must be ISO 8601"
        raise BadRequest(msg) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_ZONE)
    return moment.astimezone(UTC).replace(tzinfo=None)


def _listed(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def requests_list(db: Session, filters: Mapping[str, str], with_key: bool = False, *,
                  rules: Workflow | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
    """``GET requests``: newest first, at most :data:`MAX_RESULTS`.

    ``service_request_id`` (comma-separated) overrides every other filter, as the spec says.  Otherwise
    ``service_code`` and ``status`` (each comma-separated), ``start_date`` and ``end_date`` (ISO 8601);
    without a start date the window is the last 90 days (before ``end_date`` when one is given).
    """
    rules = rules or workflow()
    query = select(Report).order_by(Report.submitted_at.desc(), Report.id.desc()).limit(MAX_RESULTS)
    ids = _listed(filters.get("service_request_id", ""))
    if ids:
        query = query.where(Report.number.in_(ids))
    else:
        codes = _listed(filters.get("service_code", ""))
        if codes:
            categories = [category_for_code(code, rules) for code in codes]
            unknown = [code for code, cat in zip(codes, categories, strict=True) if cat is None]
            if unknown:
                msg = f"没有服务 {', '.join(unknown)} / unknown service_code"
                raise BadRequest(msg)
            query = query.where(Report.category.in_([c for c in categories if c]))
        statuses = [s.lower() for s in _listed(filters.get("status", ""))]
        if statuses:
            if any(s not in ("open", "closed") for s in statuses):
                msg = "status 只能是 open 或 closed / status is open or closed"
                raise BadRequest(msg)
            states = [key for key in rules.states if status_for(key, rules) in statuses]
            query = query.where(Report.status.in_(states))
        end = _time(filters["end_date"], "end_date") if filters.get("end_date") else None
        start = (_time(filters["start_date"], "start_date") if filters.get("start_date") else
                 (end or now or utcnow()) - timedelta(days=DEFAULT_DAYS))
        if end is not None and end < start:
            msg = "end_date 早于 start_date / end_date is before start_date"
            raise BadRequest(msg)
        query = query.where(Report.submitted_at >= start)
        if end is not None:
            query = query.where(Report.submitted_at <= end)
    return [_request(r, rules, with_key) for r in db.scalars(query)]


def request_one(db: Session, request_id: str, with_key: bool = False, *,
                rules: Workflow | None = None) -> list[dict[str, Any]]:
    """``GET requests/{id}``: a list of the one request (as the spec has it); :class:`NotFound` if unknown."""
    report = reports.by_number(db, request_id or "")
    if report is None:
        msg = f"没有工单 {request_id} / no such service_request_id"
        raise NotFound(msg)
    return [_request(report, rules or workflow(), with_key)]


def _number(form: Mapping[str, str], name: str) -> float:
    try:
        value = float(form[name])
    except (TypeError, ValueError):
        msg = f"{name} 须为数字（WGS84 经纬度） / {name} must be a number"
        raise BadRequest(msg) from None
    if not math.isfinite(value):
        msg = f"{name} 须为数字（WGS84 经纬度） / {name} must be a number"
        raise BadRequest(msg)
    return value


def _place(form: Mapping[str, str], places: Places) -> Place:
    """The place of a POST: the building ``address_id`` (preferred), or the point ``lat``/``long``."""
    building = (form.get("address_id") or "").strip()
    if building:
        found = places.building(building)
        if found is None:
            msg = f"没有楼栋 {building}（address_id 是楼栋编号） / unknown address_id"
            raise BadRequest(msg)
        return found
    if not (form.get("lat") or "").strip() or not (form.get("long") or "").strip():
        msg = ("需要位置：lat 和 long，或 address_id（楼栋编号）；不支持 address_string / "
               "lat and long, or address_id, are required")
        raise BadRequest(msg)
    lat, lon = _number(form, "lat"), _number(form, "long")
    if not places.contains(lat, lon):
        msg = f"位置 {lat:.6f},{lon:.6f} 不在本社区范围内 / the point is outside the community"
        raise BadRequest(msg)
    return places.at(lat, lon)


def _contact(form: Mapping[str, str]) -> str:
    """The resident's name, phone and e-mail as one private line (never shown by the API)."""
    name = f"{(form.get('last_name') or '').strip()}{(form.get('first_name') or '').strip()}"
    parts = [name, (form.get("phone") or "").strip(), (form.get("email") or "").strip()]
    return " ".join(p for p in parts if p)


def create_request(db: Session, form: Mapping[str, str], client: str | None, places: Places | None, *,
                   rules: Workflow | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
    """``POST requests``: file a report for the API client ``client`` (None: no valid key → :class:`Forbidden`).

    ``media_url`` is ignored (photos reach the office only through its own page).  The answer is the spec's
    ``[{service_request_id, service_notice, account_id}]`` plus ``receipt`` (the resident's receipt number).
    """
    rules = rules or workflow()
    if client is None:
        msg = "需要有效的 api_key（向社区管理员申请） / a valid api_key is required"
        raise Forbidden(msg)
    if places is None:
        msg = "服务器暂时无法接收诉求（社区数据包缺失），请稍后再试 / no community artifact: try again later"
        raise Unavailable(msg)
    code = (form.get("service_code") or "").strip()
    if not code:
        msg = "需要 service_code / service_code is required"
        raise BadRequest(msg)
    category = category_for_code(code, rules)
    if category is None:
        msg = f"没有服务 {code}（见 services.json） / unknown service_code"
        raise BadRequest(msg)
    place = _place(form, places)
    description = (form.get("description") or "").strip()
    if not description:
        msg = "需要 description（问题描述） / description is required"
        raise BadRequest(msg)
    try:
        report, receipt = reports.submit(db, category=category, description=description, place=place,
                                         actor=Actor(client, "api"), contact=_contact(form), source="api",
                                         channel=CHANNEL, client=client, rules=rules, now=now)
    except ReportError as exc:
        raise BadRequest(str(exc)) from None
    if report.status == "dispatched":
        notice = (f"已受理并派遣至网格 {report.grid_id}，处理时限 {rules.hours_for(category):g} 小时；"
                  f"请把回执号告诉居民，凭它查询进度 / dispatched to grid {report.grid_id}; give the resident "
                  "the receipt number")
    else:
        notice = ("已收到，等待社区受理；请把回执号告诉居民，凭它查询进度 / received; give the resident the "
                  "receipt number")
    return [{"service_request_id": report.number, "service_notice": notice, "account_id": None,
             "receipt": receipt}]
