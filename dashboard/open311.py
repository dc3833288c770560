"""The Open311 GeoReport v2 endpoints (JSON and XML) under ``/open311/v2/``, mounted by ``st.App`` in ``app.py``.

* ``GET  discovery.json`` — where the endpoint is and how to get a key;
* ``GET  services.json`` — one service per report category (``metadata`` false);
* ``GET  services/{code}.json`` — the definition with no attributes (404 for an unknown code);
* ``GET  requests.json`` — filters ``service_request_id``, ``service_code``, ``status``, ``start_date``,
  ``end_date``; last 90 days, newest first, at most 1000;
* ``POST requests.json`` — needs ``api_key`` (``python -m operations apikey issue NAME``); form-encoded
  (the spec's) or JSON body; answers ``[{service_request_id, service_notice, account_id, receipt}]``;
* ``GET  requests/{id}.json`` — one request.

The answers are built in ``operations/open311.py``; ``.xml`` gives the same in the spec's XML
(``operations/open311_xml.py``: FixMyStreet's client reads XML), any other format is a 400.  Errors are the
spec's ``[{"code": …, "description": …}]`` (``<errors><error>`` in XML) with the same HTTP status.  These
paths end in ``.json`` or ``.xml``, so :class:`~dashboard.routes.LoginRequired` lets them through without a
login session; the key, not a cookie, is what lets a client post.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from operations import open311
from operations.apikeys import client_for_key
from operations.open311 import BadRequest, Open311Error
from operations.open311_xml import to_xml
from operations.places import current_places
from operations.store import db

__all__ = ["BASE", "ROUTES"]

BASE = "/open311/v2"
MAX_BODY = 64 * 1024  # a report is a few hundred bytes; photos are not taken here
_HEADERS = {"Cache-Control": "no-store"}


FORMATS = ("json", "xml")


def _fmt(request: Request) -> str:
    """The format the path asks for; an unknown one is answered in JSON (with a 400)."""
    fmt = request.path_params.get("fmt", "json")
    return fmt if fmt in FORMATS else "json"


def _reply(request: Request, kind: str, body: Any, status: int = 200) -> Response:
    """``body`` as JSON, or as the spec's XML for a ``.xml`` path (``kind``: see ``open311_xml.ROOTS``)."""
    if _fmt(request) == "xml":
        return Response(to_xml(kind, body), status_code=status, media_type="text/xml; charset=utf-8",
                        headers=_HEADERS)
    return JSONResponse(body, status_code=status, headers=_HEADERS)


def _error(request: Request, error: Open311Error) -> Response:
    return _reply(request, "errors", open311.error_body(error), error.status)


def _check_format(request: Request) -> None:
    fmt = request.path_params.get("fmt", "json")
    if fmt not in FORMATS:
        msg = f"只提供 JSON 和 XML 格式，请用 .json 或 .xml 而不是 .{fmt} / only JSON and XML are served"
        raise BadRequest(msg)


Handler = Callable[[Request], Awaitable[Response]]


def _answers(handler: Handler) -> Handler:
    """Check the format first; turn every :class:`Open311Error` into the spec's error response."""

    async def wrapped(request: Request) -> Response:
        try:
            _check_format(request)
            return await handler(request)
        except Open311Error as exc:
            return _error(request, exc)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


@_answers
async def get_discovery(request: Request) -> Response:
    """GET discovery.json."""
    return _reply(request, "discovery", open311.discovery(f"{str(request.base_url).rstrip('/')}{BASE}/"))


@_answers
async def get_services(request: Request) -> Response:
    """GET services.json."""
    return _reply(request, "services", open311.services())


@_answers
async def get_service(request: Request) -> Response:
    """GET services/{code}.json."""
    return _reply(request, "definition", open311.service_definition(request.path_params["code"]))


@_answers
async def get_requests(request: Request) -> Response:
    """GET requests.json."""
    filters = dict(request.query_params)

    def read() -> list[dict[str, Any]]:
        with db() as session:
            return open311.requests_list(session, filters, client_for_key(session, filters.get("api_key")) is not None)

    return _reply(request, "requests", await run_in_threadpool(read))


@_answers
async def get_request(request: Request) -> Response:
    """GET requests/{id}.json."""
    number, key = request.path_params["id"], request.query_params.get("api_key")

    def read() -> list[dict[str, Any]]:
        with db() as session:
            return open311.request_one(session, number, client_for_key(session, key) is not None)

    return _reply(request, "requests", await run_in_threadpool(read))


async def _body(request: Request) -> dict[str, str]:
    """The POST fields: a JSON object or the spec's form encoding; the query string's fields under them."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        msg = f"请求体过大（最多 {MAX_BODY // 1024} KB） / body too large"
        raise BadRequest(msg)
    fields = dict(request.query_params)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            data = json.loads(raw.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            msg = "请求体不是有效的 JSON / the body is not valid JSON"
            raise BadRequest(msg) from None
        if not isinstance(data, dict):
            msg = "JSON 请求体须为对象 / the JSON body must be an object"
            raise BadRequest(msg)
        fields.update({str(k): "" if v is None else str(v) for k, v in data.items()})
    elif kind in ("", "application/x-www-form-urlencoded"):
        text = raw.decode("utf-8", errors="replace")
        fields.update({k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()})
    else:
        msg = (f"不支持的请求体类型 {kind}：请用 application/x-www-form-urlencoded 或 application/json / "
               "use a form-encoded or JSON body")
        raise BadRequest(msg)
    return fields


@_answers
async def post_request(request: Request) -> Response:
    """POST requests.json."""
    form = await _body(request)

    def create() -> list[dict[str, Any]]:
        with db() as session:
            client = client_for_key(session, form.get("api_key"))
            places = current_places() if client is not None else None
            return open311.create_request(session, form, client, places)

    return _reply(request, "requests", await run_in_threadpool(create))


ROUTES = [
    Route(f"{BASE}/discovery.{{fmt}}", get_discovery, methods=["GET"]),
    Route(f"{BASE}/services.{{fmt}}", get_services, methods=["GET"]),
    Route(f"{BASE}/services/{{code}}.{{fmt}}", get_service, methods=["GET"]),
    Route(f"{BASE}/requests.{{fmt}}", get_requests, methods=["GET"]),
    Route(f"{BASE}/requests.{{fmt}}", post_request, methods=["POST"]),
    Route(f"{BASE}/requests/{{id}}.{{fmt}}", get_request, methods=["GET"]),
]
