"""The Open311 GeoReport v2 API on the real server (the dashboard with the demo artifact): every endpoint's
fields as the spec has them, POST with and without a key, errors in the spec's shape, filters, and what
never leaves the server (the resident's contact, phone, receipt; the grid worker's username)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from operations import apikeys, reports
from operations.places import load_places
from operations.reports import Actor
from operations.store import db
from tests.e2e.conftest import e2e_store

API = "/open311/v2"
PHONE = "13812345678"
CONTACT = {"first_name": "小明", "last_name": "王", "phone": "13900001111", "email": "wxm@example.com"}
REQUIRED = {"service_request_id": str, "status": str, "service_code": str, "service_name": str,
            "requested_datetime": str, "updated_datetime": str}


def _call(server: str, path: str, *, form: dict[str, str] | None = None, body: object = None,
          method: str | None = None) -> tuple[int, str, Any]:
    """(status, content type, parsed JSON) of one request; form-encoded or JSON body for a POST."""
    data, headers = None, {}
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(server + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.url == server + path, "redirected (to the login page?)"
            return response.status, response.headers["Content-Type"], json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], json.loads(error.read())


def _raw(server: str, path: str) -> str:
    with urllib.request.urlopen(server + path, timeout=30) as response:
        return response.read().decode()


def _assert_error(answer: tuple[int, str, Any], status: int, words: str = "") -> None:
    code, kind, body = answer
    assert code == status and kind.startswith("application/json")
    assert isinstance(body, list) and len(body) == 1 and body[0]["code"] == status
    assert isinstance(body[0]["description"], str) and words in body[0]["description"]


def _assert_request(item: dict[str, Any]) -> None:
    for key, kind in REQUIRED.items():
        assert isinstance(item[key], kind), key
    assert item["status"] in {"open", "closed"}
    for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
        if item.get(key) is not None:
            assert datetime.fromisoformat(item[key]).tzinfo is not None, key
    assert isinstance(item["lat"], float) and isinstance(item["long"], float)
    assert not {"contact", "receipt", "photo", "assignee", "client"} & set(item)


@pytest.fixture(scope="module")
def keys() -> dict[str, str]:
    """A key in force and a revoked one, issued straight into the server's store."""
    with db(e2e_store()) as session:
        good = apikeys.issue(session, "e2e-xiaochengxu")
        dead = apikeys.issue(session, "e2e-revoked")
        apikeys.revoke(session, "e2e-revoked")
    return {"good": good, "dead": dead}


@pytest.fixture(scope="module")
def point(demo_artifact) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A building of the demo community that lies in a grid (its reports are dispatched at once)."""
    places = load_places(demo_artifact)
    building = next(p for _, _, items in places.compounds() for bid, _ in items
                    if (p := places.building(bid)) is not None and p.grid_id)
    return {"lat": str(building.lat), "long": str(building.lon), "address_id": building.building_id}


def test_discovery_and_services(server: str) -> None:
    code, kind, found = _call(server, f"{API}/discovery.json")
    assert code == 200 and kind.startswith("application/json")
    assert found["endpoints"][0]["url"] == f"{server}{API}/"
    assert found["endpoints"][0]["formats"] == ["application/json", "text/xml"]
    assert found["contact"] and found["key_service"]
    code, _, offered = _call(server, f"{API}/services.json")
    assert code == 200 and len(offered) == 9
    for service in offered:
        assert set(service) >= {"service_code", "service_name", "description", "metadata", "type", "keywords",
                                "group"}
        assert service["metadata"] is False and service["type"] == "realtime"
        assert service["service_code"].isascii()
    assert {"service_code": "sanitation", "service_name": "环境卫生"}.items() <= offered[
        [s["service_code"] for s in offered].index("sanitation")].items()
    code, _, definition = _call(server, f"{API}/services/noise.json")
    assert code == 200 and definition == {"service_code": "noise", "attributes": []}
    _assert_error(_call(server, f"{API}/services/nope.json"), 404, "没有服务")


def _xml(server: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, ET.Element]:
    """(status, content type, parsed XML) of a request to a ``.xml`` path, as FixMyStreet's client makes it."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(server + path, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], ET.fromstring(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], ET.fromstring(error.read())


def test_the_same_answers_in_the_specs_xml(server: str, keys: dict[str, str], point: dict[str, str]) -> None:
    code, kind, services = _xml(server, f"{API}/services.xml")
    assert code == 200 and kind.startswith("text/xml") and services.tag == "services"
    assert len(services.findall("service")) == 9
    assert {s.findtext("service_code") for s in services} >= {"sanitation", "noise"}
    assert all(s.findtext("metadata") == "false" for s in services)
    form = {"api_key": keys["good"], "service_code": "noise", "lat": point["lat"], "long": point["long"],
            "description": "半夜装修声音很大"}
    code, _, created = _xml(server, f"{API}/requests.xml", form)
    assert code == 200 and created.tag == "service_requests"
    number = created.findtext("request/service_request_id")
    assert number and created.findtext("request/receipt")
    code, _, found = _xml(server, f"{API}/requests/{number}.xml")
    request = found.find("request")
    assert code == 200 and request is not None
    assert request.findtext("status") == "open" and request.findtext("service_code") == "noise"
    assert datetime.fromisoformat(request.findtext("requested_datetime") or "").tzinfo is not None
    float(request.findtext("lat") or ""), float(request.findtext("long") or "")
    code, _, errors = _xml(server, f"{API}/requests/QX1.xml")
    assert code == 404 and errors.tag == "errors" and errors.findtext("error/code") == "404"
    code, _, discovery = _xml(server, f"{API}/discovery.xml")
    assert "text/xml" in [f.text for f in discovery.iter("format")]


def test_only_json_and_xml_are_served(server: str) -> None:
    for path in ("discovery.txt", "services.html", "services/noise.csv", "requests.yaml", "requests/QX1.js"):
        _assert_error(_call(server, f"{API}/{path}"), 400, "只提供 JSON 和 XML")
    _assert_error(_call(server, f"{API}/requests.txt", form={"service_code": "noise"}), 400, "只提供 JSON 和 XML")


def test_a_client_with_a_key_posts_and_anyone_reads_it_back(server: str, keys: dict[str, str],
                                                            point: dict[str, str]) -> None:
    form = {"api_key": keys["good"], "service_code": "sanitation", "lat": point["lat"], "long": point["long"],
            "description": f"我是王小明，楼下垃圾三天没人清，有事打{PHONE}", "media_url": "http://example.com/a.jpg",
            **CONTACT}
    code, kind, answer = _call(server, f"{API}/requests.json", form=form)
    assert code == 200 and kind.startswith("application/json")
    [created] = answer
    assert set(created) == {"service_request_id", "service_notice", "account_id", "receipt"}
    assert created["account_id"] is None and created["service_notice"]
    number, receipt = created["service_request_id"], created["receipt"]
    assert isinstance(number, str) and number and len(receipt.replace("-", "")) == 12

    code, _, shown = _call(server, f"{API}/requests/{number}.json")
    assert code == 200 and len(shown) == 1
    item = shown[0]
    _assert_request(item)
    assert (item["service_request_id"], item["status"], item["status_notes"]) == (number, "open", "任务派遣")
    assert (item["service_code"], item["service_name"]) == ("sanitation", "环境卫生")
    assert item["description"] == ""  # a public answer carries no resident's words
    code, _, [keyed] = _call(server, f"{API}/requests/{number}.json?api_key={keys['good']}")
    assert PHONE not in keyed["description"] and "138****5678" in keyed["description"]  # the client's, scrubbed
    assert "王小明" not in keyed["description"] and "王*明" in keyed["description"]
    assert item["address_id"] == point["address_id"] and "号楼" in item["address"]
    expected = datetime.fromisoformat(item["expected_datetime"]) - datetime.fromisoformat(item["requested_datetime"])
    assert expected == timedelta(hours=48)  # 环境卫生's time limit, from dispatch at submission
    assert datetime.fromisoformat(item["requested_datetime"]).utcoffset() == timedelta(hours=8)
    exact = (float(point["lat"]), float(point["long"]))
    assert (item["lat"], item["long"]) != exact  # no key: the ~55 m cell
    assert abs(item["lat"] - exact[0]) <= 0.00025 + 1e-9 and abs(item["long"] - exact[1]) <= 0.0003 + 1e-9
    key = urllib.parse.quote(keys["good"])
    _, _, [with_key] = _call(server, f"{API}/requests/{number}.json?api_key={key}")
    assert (with_key["lat"], with_key["long"]) == exact

    with db(e2e_store()) as session:  # what the office sees: the contact kept, the channel and client named
        report = reports.by_number(session, number)
        assert report is not None and reports.by_receipt(session, receipt) is not None
        assert (report.source, report.channel, report.client) == ("api", "小程序", "e2e-xiaochengxu")
        assert report.contact == "王小明 13900001111 wxm@example.com" and report.photo == ""


def test_a_json_body_and_a_building_id_work_too(server: str, keys: dict[str, str], point: dict[str, str]) -> None:
    body = {"api_key": keys["good"], "service_code": "noise", "address_id": point["address_id"],
            "description": "晚上十一点还在装修"}
    code, _, [created] = _call(server, f"{API}/requests.json", body=body)
    assert code == 200
    _, _, [item] = _call(server, f"{API}/requests/{created['service_request_id']}.json")
    assert item["service_code"] == "noise" and item["address_id"] == point["address_id"]


def test_posts_are_refused_with_the_spec_errors(server: str, keys: dict[str, str], point: dict[str, str]) -> None:
    form = {"service_code": "noise", "address_id": point["address_id"], "description": "楼上每天半夜很吵"}
    _assert_error(_call(server, f"{API}/requests.json", form=form), 403, "api_key")
    _assert_error(_call(server, f"{API}/requests.json", form={**form, "api_key": "qx311_guess"}), 403)
    _assert_error(_call(server, f"{API}/requests.json", form={**form, "api_key": keys["dead"]}), 403)
    good = {**form, "api_key": keys["good"]}
    _assert_error(_call(server, f"{API}/requests.json", form={**good, "service_code": "nope"}), 400, "没有服务")
    _assert_error(_call(server, f"{API}/requests.json", form={**good, "address_id": ""}), 400, "需要位置")
    _assert_error(_call(server, f"{API}/requests.json",
                        form={**good, "address_id": "", "lat": "39.9", "long": "116.4"}), 400, "不在本社区")
    _assert_error(_call(server, f"{API}/requests.json", form={**good, "description": ""}), 400, "description")
    _assert_error(_call(server, f"{API}/requests.json", body=["not", "an", "object"]), 400, "对象")
    _assert_error(_call(server, f"{API}/requests/QX-NO-SUCH.json"), 404, "没有工单")


def test_filters_and_nothing_private_in_any_answer(server: str, keys: dict[str, str], point: dict[str, str]) -> None:
    made = []
    for code in ("property_repair", "safety_hazard"):
        form = {"api_key": keys["good"], "service_code": code, "address_id": point["address_id"],
                "description": f"过滤测试 {code}，联系 {PHONE}", **CONTACT}
        status, _, [created] = _call(server, f"{API}/requests.json", form=form)
        assert status == 200
        made.append(created)
    closed, still_open = (c["service_request_id"] for c in made)
    with db(e2e_store()) as session:  # the office works one report to the end
        report = reports.by_number(session, closed)
        assert report is not None
        worker = Actor("grid-e2e-worker", "grid_worker", (report.grid_id,))
        reports.act(session, closed, "take", worker)
        reports.act(session, closed, "resolve", worker, note="已处理")
        reports.act(session, closed, "close", Actor("leader", "leader"))

    _, _, [done] = _call(server, f"{API}/requests/{closed}.json")
    assert (done["status"], done["status_notes"]) == ("closed", "核查结案")

    _, _, every = _call(server, f"{API}/requests.json")
    assert every and all(_assert_request(item) is None for item in every)
    times = [datetime.fromisoformat(item["requested_datetime"]) for item in every]
    assert times == sorted(times, reverse=True)  # newest first
    numbers = [item["service_request_id"] for item in every]
    assert closed in numbers and still_open in numbers

    _, _, only_closed = _call(server, f"{API}/requests.json?status=closed")
    assert closed in [i["service_request_id"] for i in only_closed]
    assert all(i["status"] == "closed" for i in only_closed)
    _, _, only_open = _call(server, f"{API}/requests.json?status=open")
    assert all(i["status"] == "open" for i in only_open) and closed not in [i["service_request_id"]
                                                                              for i in only_open]
    _, _, by_code = _call(server, f"{API}/requests.json?service_code=safety_hazard")
    assert [i["service_code"] for i in by_code] == ["safety_hazard"] * len(by_code) and by_code
    _, _, listed = _call(server, f"{API}/requests.json?service_request_id={closed},{still_open}")
    assert sorted(i["service_request_id"] for i in listed) == sorted([closed, still_open])

    now = datetime.now(UTC)
    window = urllib.parse.urlencode({"start_date": (now - timedelta(hours=1)).isoformat(),
                                     "end_date": (now + timedelta(hours=1)).isoformat()})
    _, _, recent = _call(server, f"{API}/requests.json?{window}")
    assert {closed, still_open} <= {i["service_request_id"] for i in recent}
    future = urllib.parse.urlencode({"start_date": (now + timedelta(hours=1)).isoformat()})
    assert _call(server, f"{API}/requests.json?{future}")[2] == []
    past = urllib.parse.urlencode({"end_date": (now - timedelta(days=1)).isoformat()})
    assert _call(server, f"{API}/requests.json?{past}")[2] == []
    _assert_error(_call(server, f"{API}/requests.json?status=pending"), 400, "status")
    _assert_error(_call(server, f"{API}/requests.json?start_date=yesterday"), 400, "ISO 8601")
    _assert_error(_call(server, f"{API}/requests.json?service_code=nope"), 400, "没有服务")

    receipts = [c["receipt"] for c in made]
    for path in ("requests.json", "requests.json?status=closed", f"requests/{closed}.json",
                 f"requests/{still_open}.json", f"requests.json?api_key={urllib.parse.quote(keys['good'])}"):
        text = _raw(server, f"{API}/{path}")
        for secret in (PHONE, CONTACT["phone"], CONTACT["email"], "王小明", "grid-e2e-worker", keys["good"],
                       *receipts, *(r.replace("-", "") for r in receipts)):
            assert secret not in text, (path, secret)


@pytest.fixture(scope="module")
def server_without_artifact(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The same server and store, pointed at an artifact that does not exist (not built yet, or moved)."""
    from tests.e2e.conftest import _serve

    yield from _serve(tmp_path_factory.mktemp("none") / "missing.gpkg")


def test_without_an_artifact_a_post_is_unavailable_and_reading_still_works(server_without_artifact: str,
                                                                           keys: dict[str, str]) -> None:
    form = {"api_key": keys["good"], "service_code": "noise", "address_id": "XQ01-A1", "description": "楼上很吵很吵"}
    _assert_error(_call(server_without_artifact, f"{API}/requests.json", form=form), 503, "数据包")
    _assert_error(_call(server_without_artifact, f"{API}/requests.json", form={**form, "api_key": ""}), 403)
    code, _, found = _call(server_without_artifact, f"{API}/requests.json")
    assert code == 200 and isinstance(found, list)
