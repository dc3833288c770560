"""The Open311 answers built from the store (operations/open311.py), without HTTP: statuses of every state,
service codes of every category, times, coarse points, filters, and what a POST checks."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from operations import open311, reports
from operations.models import Report
from operations.open311 import BadRequest, Forbidden, NotFound, Unavailable
from operations.places import Place, load_places
from operations.reports import Actor
from operations.store import db
from operations.workflow import load_workflow

RULES = load_workflow()
T0 = datetime(2026, 11, 2, 1, 30)  # 09:30 in Shanghai
LEADER = Actor("李主任", "leader")
WORKER = Actor("grid01", "grid_worker", ("WG01",))
HERE = Place("XQ01-A1", "XQ01", "WG01", 36.200577, 117.114092, "广生泉小区 A1号楼")


def test_every_state_maps_to_its_open311_status() -> None:
    expected = {"submitted": "open", "accepted": "open", "dispatched": "open", "in_progress": "open",
                "resolved": "open", "closed": "closed", "rated": "closed", "duplicate": "closed",
                "transferred": "closed", "cancelled": "closed"}
    assert {key: open311.status_for(key, RULES) for key in RULES.states} == expected
    for key, state in RULES.states.items():
        assert open311.status_for(key, RULES) == state.open311
        assert (open311.status_for(key, RULES) == "open") == state.open
    assert open311.status_for("no-such-state", RULES) == "closed"


def test_every_category_has_a_stable_unique_ascii_service() -> None:
    offered = open311.services(RULES)
    assert [s["service_name"] for s in offered] == RULES.categories
    codes = [s["service_code"] for s in offered]
    assert len(set(codes)) == len(codes) == 9
    assert all(re.fullmatch(r"[a-z_]+", code) for code in codes)
    assert open311.service_code("环境卫生") == "sanitation"
    for service in offered:
        assert service["metadata"] is False and service["type"] == "realtime"
        assert service["keywords"] and service["group"] and service["description"]
        assert open311.category_for_code(service["service_code"], RULES) == service["service_name"]
    assert open311.service_code("新类别") == open311.service_code("新类别")  # a category added later: stable too
    assert open311.service_code("新类别").startswith("category_")
    assert open311.category_for_code("nope", RULES) is None
    assert open311.service_definition("noise", RULES) == {"service_code": "noise", "attributes": []}
    with pytest.raises(NotFound):
        open311.service_definition("nope", RULES)


def test_times_are_local_with_their_zone_and_points_coarse_without_a_key() -> None:
    shown = open311.iso_local(T0)
    assert shown == "2026-11-02T09:30:00+08:00"
    assert datetime.fromisoformat(shown).utcoffset() == timedelta(hours=8)  # type: ignore[arg-type]
    assert open311.iso_local(None) is None
    lat, lon = open311.public_point(36.200577, 117.114092)
    assert (lat, lon) == (36.20075, 117.1143)
    assert abs(lat - 36.200577) <= 0.00025 and abs(lon - 117.114092) <= 0.0003
    assert open311.public_point(36.20051, 117.11401) == (lat, lon)  # the same cell, the same point


def test_errors_have_the_spec_shape() -> None:
    for error, status in ((BadRequest("x"), 400), (Forbidden("x"), 403), (NotFound("x"), 404),
                          (Unavailable("x"), 503)):
        assert open311.error_body(error) == [{"code": status, "description": "x"}]


def _file(url: str, *, category: str = "物业维修", at: datetime = T0, description: str = "楼道灯不亮，晚上看不见",
          contact: str = "") -> str:
    with db(url) as session:
        report, _ = reports.submit(session, category=category, description=description, place=HERE,
                                   actor=Actor("xcx", "api"), contact=contact, source="api", channel="小程序",
                                   client="xcx", rules=RULES, now=at)
        return report.number


def test_requests_show_what_the_spec_asks_and_nothing_private(database: str) -> None:
    number = _file(database, description="张三家楼道灯坏了，电话13812345678", contact="张三 13812345678")
    with db(database) as session:
        reports.act(session, number, "take", WORKER, rules=RULES, now=T0 + timedelta(hours=1))
        [shown] = open311.request_one(session, number, rules=RULES)
        [exact] = open311.request_one(session, number, with_key=True, rules=RULES)
    assert shown["service_request_id"] == number and shown["status"] == "open"
    assert shown["status_notes"] == "任务处理" and shown["service_code"] == "property_repair"
    assert shown["requested_datetime"] == "2026-11-02T09:30:00+08:00"
    assert shown["updated_datetime"] == "2026-11-02T10:30:00+08:00"
    assert shown["expected_datetime"] == "2026-11-05T09:30:00+08:00"  # 72 hours after dispatch
    assert shown["address"] == "广生泉小区 A1号楼" and shown["address_id"] == "XQ01-A1"
    assert shown["description"] == ""  # without a key: no resident's words at all
    assert "13812345678" not in exact["description"] and "138****5678" in exact["description"]
    assert exact["description"].startswith("张*家楼道灯")  # the submitter's own name, known from the contact
    assert (shown["lat"], shown["long"]) == (36.20075, 117.1143)
    assert (exact["lat"], exact["long"]) == (36.200577, 117.114092)
    text = str(shown) + str(exact)
    assert "grid01" not in text and "13812345678" not in text
    with db(database) as session, pytest.raises(NotFound):
        open311.request_one(session, "QX0000", rules=RULES)


def test_filters_window_and_order(database: str) -> None:
    now = T0 + timedelta(days=100)
    old = _file(database, at=T0)  # 100 days before "now": outside the default window
    noisy = _file(database, category="噪音扰民", at=now - timedelta(days=2))
    repair = _file(database, at=now - timedelta(days=1))
    with db(database) as session:
        for action, actor, note in (("take", WORKER, ""), ("resolve", WORKER, "修好了"), ("close", LEADER, "")):
            reports.act(session, repair, action, actor, note=note, rules=RULES, now=now - timedelta(hours=5))

        def ids(**filters: str) -> list[str]:
            return [r["service_request_id"] for r in open311.requests_list(session, filters, rules=RULES, now=now)]

        assert ids() == [repair, noisy]  # newest first, last 90 days
        assert ids(status="closed") == [repair] and ids(status="open") == [noisy]
        assert ids(status="open,closed") == [repair, noisy]
        assert ids(service_code="noise") == [noisy]
        assert ids(service_code="noise,property_repair") == [repair, noisy]
        assert ids(service_request_id=f"{old}, {noisy}") == [noisy, old]  # overrides the window
        assert ids(service_request_id=f"{old}", status="open") == [old]  # and every other filter
        assert ids(start_date="2026-11-01T00:00:00+08:00") == [repair, noisy, old]
        assert ids(start_date="2026-11-01", end_date="2026-11-03T00:00:00Z") == [old]
        assert ids(start_date="2026-11-02T09:29:00 08:00", end_date="2026-11-02T09:31:00 08:00") == [old]  # "+"
        assert ids(start_date="2026-11-02T09:31:00 08:00", end_date="2026-11-03T00:00:00+08:00") == []
        assert ids(end_date=(T0 + timedelta(days=2)).isoformat() + "Z") == [old]  # 90 days before the end
        for bad in ({"status": "pending"}, {"service_code": "nope"}, {"start_date": "last week"},
                    {"start_date": "2026-11-05", "end_date": "2026-11-01"}):
            with pytest.raises(BadRequest):
                ids(**bad)


def test_at_most_a_thousand_requests(database: str) -> None:
    with db(database) as session:  # rows written directly: a thousand submits would only make this slow
        session.add_all([Report(number=f"QX{n:06d}", category="其他", description="测试用的诉求内容",
                                status="submitted", submitted_at=T0, updated_at=T0)
                         for n in range(open311.MAX_RESULTS + 3)])
    with db(database) as session:
        assert len(open311.requests_list(session, {}, rules=RULES, now=T0)) == open311.MAX_RESULTS


@pytest.fixture(scope="module")
def places(demo_artifact: Path):  # type: ignore[no-untyped-def]
    return load_places(demo_artifact)


def test_a_post_files_a_private_report_and_returns_the_receipt(database: str, places) -> None:  # type: ignore[no-untyped-def]
    form = {"service_code": "sanitation", "lat": "36.200577", "long": "117.114092", "description": "垃圾没人清",
            "first_name": "小明", "last_name": "王", "phone": "13812345678", "email": "w@example.com",
            "media_url": "http://example.com/a.jpg"}
    with db(database) as session:
        [answer] = open311.create_request(session, form, "xcx", places, rules=RULES)
    assert set(answer) == {"service_request_id", "service_notice", "account_id", "receipt"}
    assert answer["account_id"] is None and "WG01" in answer["service_notice"]
    with db(database) as session:
        report = reports.by_number(session, answer["service_request_id"])
        assert report is not None and reports.by_receipt(session, answer["receipt"]) is not None
        assert (report.status, report.source, report.channel, report.client) == ("dispatched", "api", "小程序", "xcx")
        assert report.contact == "王小明 13812345678 w@example.com" and report.photo == ""
        assert reports.history(session, report)[0].actor == "xcx"
        assert report.building_id == "XQ01-A1" and report.category == "环境卫生"


@pytest.mark.parametrize(("form", "client", "error", "words"), [
    ({"service_code": "noise", "address_id": "XQ01-A1", "description": "很吵很吵"}, None, Forbidden, "api_key"),
    ({"service_code": "nope", "address_id": "XQ01-A1", "description": "很吵很吵"}, "xcx", BadRequest, "没有服务"),
    ({"address_id": "XQ01-A1", "description": "很吵很吵"}, "xcx", BadRequest, "service_code"),
    ({"service_code": "noise", "description": "很吵很吵"}, "xcx", BadRequest, "需要位置"),
    ({"service_code": "noise", "address_string": "1号楼", "description": "很吵很吵"}, "xcx", BadRequest, "需要位置"),
    ({"service_code": "noise", "address_id": "NOPE", "description": "很吵很吵"}, "xcx", BadRequest, "没有楼栋"),
    ({"service_code": "noise", "lat": "39.9", "long": "116.4", "description": "很吵很吵"}, "xcx", BadRequest,
     "不在本社区"),
    ({"service_code": "noise", "lat": "nan", "long": "116.4", "description": "很吵很吵"}, "xcx", BadRequest, "数字"),
    ({"service_code": "noise", "lat": "36.2", "long": "east", "description": "很吵很吵"}, "xcx", BadRequest, "数字"),
    ({"service_code": "noise", "address_id": "XQ01-A1"}, "xcx", BadRequest, "description"),
    ({"service_code": "noise", "address_id": "XQ01-A1", "description": "吵"}, "xcx", BadRequest, "至少 4 个字"),
])
def test_a_post_is_refused_with_the_reason(database: str, places, form: dict[str, str], client: str | None,  # type: ignore[no-untyped-def]
                                           error: type[Exception], words: str) -> None:
    with db(database) as session, pytest.raises(error, match=words):
        open311.create_request(session, form, client, places, rules=RULES)
    with db(database) as session:
        assert open311.requests_list(session, {}, rules=RULES) == []


def test_a_post_without_an_artifact_is_unavailable(database: str) -> None:
    form = {"service_code": "noise", "address_id": "XQ01-A1", "description": "很吵很吵"}
    with db(database) as session, pytest.raises(Unavailable, match="数据包"):
        open311.create_request(session, form, "xcx", None, rules=RULES)
