"""Resident reports in the store: every move of workflow.toml (allowed and refused), time limits, history,
duplicate hints, receipts, rate limits, and two workers taking one report at once (separate processes)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from operations import reports
from operations.models import Report
from operations.places import Place
from operations.reports import SYSTEM, Actor, Conflict, ReportError
from operations.store import db
from operations.workflow import WorkflowError, load_workflow

RULES = load_workflow()
T0 = datetime(2026, 11, 2, 9, 0)
LEADER = Actor("李主任", "leader")
WORKER = Actor("grid01", "grid_worker", ("WG01",))
OTHER_GRID = Actor("grid02", "grid_worker", ("WG02",))
RESIDENT = Actor("居民", "resident")
HERE = Place("B001", "C01", "WG01", 36.1, 117.1, "广生泉小区 1号楼")


def _file(url: str, *, place: Place = HERE, category: str = "物业维修", at: datetime = T0,
          auto: bool = True) -> tuple[str, str]:
    rules = RULES if auto else _no_auto()
    with db(url) as session:
        report, receipt = reports.submit(session, category=category, description="楼道灯不亮，晚上看不见",
                                         place=place, actor=RESIDENT, rules=rules, now=at)
        return report.number, receipt


def _no_auto():  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(RULES, auto_dispatch=False)


def _status(url: str, number: str) -> Report:
    with db(url) as session:
        found = reports.by_number(session, number)
        assert found is not None
        return found


def test_a_new_report_is_filed_and_dispatched_to_its_grid_with_a_time_limit(database: str) -> None:
    number, receipt = _file(database)
    report = _status(database, number)
    assert report.status == "dispatched" and report.grid_id == "WG01"
    assert report.due_at == T0 + timedelta(hours=RULES.hours_for("物业维修")) == T0 + timedelta(hours=72)
    with db(database) as session:
        assert reports.by_receipt(session, receipt.lower().replace("-", "")).number == number  # type: ignore[union-attr]
        assert reports.by_receipt(session, "AAAA-BBBB-CCCC") is None
        steps = [(e.action, e.actor, e.to_status) for e in reports.history(session, report)]
    assert steps == [("submit", "居民", "submitted"), ("accept", "系统", "accepted"),
                     ("dispatch", "系统", "dispatched")]
    assert receipt not in str(report.receipt_hash)  # only a hash is kept


def test_the_whole_flow_to_a_rating_with_history(database: str) -> None:
    number, _ = _file(database)
    with db(database) as session:
        reports.act(session, number, "take", WORKER, rules=RULES, now=T0 + timedelta(hours=1))
        reports.act(session, number, "progress", WORKER, note="已联系物业", rules=RULES, now=T0 + timedelta(hours=2))
        reports.act(session, number, "resolve", WORKER, note="已换灯泡", rules=RULES, now=T0 + timedelta(hours=3))
        reports.act(session, number, "close", LEADER, rules=RULES, now=T0 + timedelta(hours=4))
        done = reports.act(session, number, "rate", RESIDENT, rating=5, rules=RULES, now=T0 + timedelta(hours=5))
        assert (done.status, done.rating, done.assignee) == ("rated", 5, "grid01")
        events = reports.history(session, done)
    assert [e.to_status for e in events] == ["submitted", "accepted", "dispatched", "in_progress", "in_progress",
                                             "resolved", "closed", "rated"]
    assert [e.actor for e in events][3:] == ["grid01", "grid01", "grid01", "李主任", "居民"]
    assert events[5].note == "已换灯泡" and events[5].at == T0 + timedelta(hours=3)


ROLE_ACTORS = {"admin": Actor("admin", "admin"), "leader": LEADER, "grid_worker": WORKER, "resident": RESIDENT,
               "system": SYSTEM, "api": Actor("client", "api")}
EXTRAS = {"note": {"note": "说明"}, "grid": {"grid": "WG01"}, "where": {"where": "区城管局"}, "rating": {"rating": 4}}


def _to_state(session, number: str, state: str) -> None:  # type: ignore[no-untyped-def]
    """Bring a report (filed without auto-dispatch) into ``state`` with staff moves."""
    paths = {"submitted": [], "accepted": ["accept"], "dispatched": ["accept", "dispatch"],
             "in_progress": ["accept", "dispatch", "take"], "resolved": ["accept", "dispatch", "take", "resolve"],
             "closed": ["accept", "dispatch", "take", "resolve", "close"],
             "rated": ["accept", "dispatch", "take", "resolve", "close", "rate"]}
    for action in paths.get(state, ["accept"]):
        actor = RESIDENT if action == "rate" else (WORKER if action in ("take", "resolve") else LEADER)
        extra = {k: v for need in RULES.transitions[action].needs for k, v in EXTRAS.get(need, {}).items()}
        reports.act(session, number, action, actor, rules=RULES, now=T0, **extra)
    if state in ("duplicate", "transferred", "cancelled"):
        extra = {"duplicate": {"duplicate_of": "__other__"}, "transferred": {"where": "区城管局"},
                 "cancelled": {"note": "撤销"}}[state]
        if "duplicate_of" in extra:
            extra["duplicate_of"] = _file_plain(session)
        reports.act(session, number, {"duplicate": "duplicate", "transferred": "transfer",
                                      "cancelled": "cancel"}[state], LEADER, rules=RULES, now=T0, **extra)


def _file_plain(session) -> str:  # type: ignore[no-untyped-def]
    report, _ = reports.submit(session, category="其他", description="另一张工单", place=HERE, actor=RESIDENT,
                               rules=_no_auto(), now=T0)
    return report.number


CASES = [(action, state, role) for action in RULES.transitions for state in RULES.states for role in ROLE_ACTORS]


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each case (migrating 720 times would take minutes)."""
    from operations.store import engine, migrate

    path = tmp_path_factory.mktemp("template") / "store.sqlite"
    migrate(f"sqlite:///{path}")
    engine(f"sqlite:///{path}").dispose()  # the last connection closed: the WAL is written into the file
    return path


@pytest.mark.parametrize("action,state,role", CASES, ids=[f"{a}-{s}-{r}" for a, s, r in CASES])
def test_every_move_is_allowed_or_refused_as_workflow_toml_says(tmp_path: Path, empty_store: Path, action: str,
                                                                state: str, role: str) -> None:
    shutil.copy(empty_store, tmp_path / "s.sqlite")
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    number, _ = _file(url, auto=False)
    move = RULES.transitions[action]
    allowed = state in move.sources and role in move.roles
    with db(url) as session:
        _to_state(session, number, state)
        extra = {k: v for need in move.needs for k, v in EXTRAS.get(need, {}).items()}
        if "duplicate_of" in move.needs:
            extra["duplicate_of"] = _file_plain(session)
        if action == "dispatch" and state == "dispatched":
            extra["grid"] = "WG02"  # a re-dispatch goes to another grid (the same grid again is refused)
        if allowed:
            after = reports.act(session, number, action, ROLE_ACTORS[role], rules=RULES, now=T0 + timedelta(hours=1),
                                **extra)
            assert after.status == move.target
        else:
            # already in the move's target state: someone did it first, and the message names who
            expected = Conflict if state == move.target and state not in move.sources else WorkflowError
            with pytest.raises(expected) as refused:
                reports.act(session, number, action, ROLE_ACTORS[role], rules=RULES, now=T0 + timedelta(hours=1),
                            **extra)
            assert "/" in str(refused.value) and any("\u4e00" <= c <= "\u9fff" for c in str(refused.value))
            assert reports.by_number(session, number).status == state  # type: ignore[union-attr]


def test_moves_missing_what_they_need_are_refused(database: str) -> None:
    number, _ = _file(database)
    with db(database) as session:
        reports.act(session, number, "take", WORKER, rules=RULES, now=T0)
        with pytest.raises(ReportError, match="说明"):
            reports.act(session, number, "resolve", WORKER, note="  ", rules=RULES, now=T0)
        reports.act(session, number, "resolve", WORKER, note="修好了", rules=RULES, now=T0)
        reports.act(session, number, "close", LEADER, rules=RULES, now=T0)
        with pytest.raises(ReportError, match="1 到 5"):
            reports.act(session, number, "rate", RESIDENT, rating=9, rules=RULES, now=T0)
        with pytest.raises(ReportError, match="没有编号为 QX000000"):
            reports.act(session, _file_plain(session), "duplicate", LEADER, duplicate_of="QX000000", rules=RULES)


def test_a_grid_worker_cannot_move_another_grids_report(database: str) -> None:
    number, _ = _file(database)
    with db(database) as session, pytest.raises(WorkflowError, match="不在您的网格"):
        reports.act(session, number, "take", OTHER_GRID, rules=RULES, now=T0)


def test_a_resident_reopens_within_seven_days_only(database: str) -> None:
    number, _ = _file(database)
    with db(database) as session:
        for action, actor, extra in (("take", WORKER, {}), ("resolve", WORKER, {"note": "好了"}),
                                     ("close", LEADER, {})):
            reports.act(session, number, action, actor, rules=RULES, now=T0, **extra)
        with pytest.raises(WorkflowError, match="超过 7 天"):
            reports.act(session, number, "reopen", RESIDENT, note="又坏了", rules=RULES, now=T0 + timedelta(days=8))
        again = reports.act(session, number, "reopen", RESIDENT, note="又坏了", rules=RULES,
                            now=T0 + timedelta(days=6))
        assert again.status == "accepted" and again.closed_at is None
        later = reports.act(session, number, "dispatch", LEADER, grid="WG01", rules=RULES, now=T0 + timedelta(days=6))
        assert later.due_at == T0 + timedelta(days=6, hours=72)  # the time limit starts again at the new dispatch


def test_time_limits_per_category_and_the_queue_puts_overdue_first(database: str) -> None:
    late, _ = _file(database, category="物业维修", at=T0)  # 72 h
    urgent, _ = _file(database, category="安全隐患", at=T0 + timedelta(hours=30))  # 24 h: due T0+54h
    fresh, _ = _file(database, category="环境卫生", at=T0 + timedelta(hours=60))  # 48 h
    elsewhere, _ = _file(database, place=Place("B9", "C9", "WG02", 36.2, 117.2, ""), at=T0)
    now = T0 + timedelta(hours=80)
    with db(database) as session:
        mine = reports.queue(session, ("WG01",), now=now, rules=RULES)
        assert [r.number for r in mine] == [late, urgent, fresh]
        assert [reports.is_overdue(r, now, RULES) for r in mine] == [True, True, False]
        assert elsewhere in [r.number for r in reports.queue(session, None, now=now, rules=RULES)]
        reports.act(session, late, "take", WORKER, rules=RULES, now=now)
        reports.act(session, late, "resolve", WORKER, note="好了", rules=RULES, now=now)
        reports.act(session, late, "close", LEADER, rules=RULES, now=now)
        assert late not in [r.number for r in reports.queue(session, ("WG01",), now=now, rules=RULES)]


def test_duplicate_hints_same_building_or_within_50_metres_within_seven_days(database: str) -> None:
    first, _ = _file(database, category="环境卫生", at=T0)
    near = Place("", "", "WG01", 36.1003, 117.1, "")  # about 33 m north, no building
    far = Place("", "", "WG01", 36.101, 117.1, "")  # about 111 m
    with db(database) as session:
        def hints(place: Place, category: str, at: datetime) -> list[str]:
            report, _ = reports.submit(session, category=category, description="垃圾没人清运", place=place,
                                       actor=RESIDENT, rules=RULES, now=at)
            return [r.number for r in reports.duplicate_hints(session, report, RULES)]

        assert first in hints(HERE, "环境卫生", T0 + timedelta(days=2))  # same building
        assert first in hints(near, "环境卫生", T0 + timedelta(days=1))
        assert first not in hints(far, "环境卫生", T0 + timedelta(days=1))
        assert first not in hints(HERE, "噪音扰民", T0 + timedelta(days=1))  # another category
        assert first not in hints(HERE, "环境卫生", T0 + timedelta(days=9))  # too late


def test_a_report_is_refused_without_category_text_or_place(database: str) -> None:
    with db(database) as session:
        for kwargs, expected in ((dict(category="飞碟", description="有飞碟", place=HERE), "类别"),
                                 (dict(category="其他", description=" \u202e ", place=HERE), "描述"),
                                 (dict(category="其他", description="路灯坏了", place=Place()), "楼栋")):
            with pytest.raises(ReportError, match=expected):
                reports.submit(session, actor=RESIDENT, rules=RULES, **kwargs)  # type: ignore[arg-type]


def test_the_public_form_is_rate_limited_per_address(database: str) -> None:
    with db(database) as session:
        results = [reports.allow_submission(session, "10.0.0.7", "report", 5, now=T0 + timedelta(minutes=i))
                   for i in range(7)]
        assert results == [True] * 5 + [False] * 2
        assert reports.allow_submission(session, "10.0.0.8", "report", 5, now=T0 + timedelta(minutes=7))
        assert reports.allow_submission(session, "10.0.0.7", "report", 5, now=T0 + timedelta(minutes=61))


_TAKE = """
import json, sys, time
from pathlib import Path
from operations import reports
from operations.reports import Actor, Conflict
from operations.store import db
url, number, name, go = sys.argv[1:5]
while not Path(go).exists():  # every process ready, then all at once
    time.sleep(0.001)
try:
    with db(url) as session:
        reports.act(session, number, "take", Actor(name, "grid_worker", ("WG01",)))
    print(json.dumps([name, "won", ""]))
except Conflict as exc:
    print(json.dumps([name, "lost", exc.by]))
"""


def test_two_workers_taking_the_same_report_at_once_exactly_one_wins(database: str, tmp_path: Path) -> None:
    """Separate processes (not threads), released together: on SQLite and on PostgreSQL."""
    numbers = [_file(database)[0] for _ in range(3)]
    root = Path(__file__).resolve().parents[2]
    for number in numbers:
        go = tmp_path / f"go-{number}"
        workers = [subprocess.Popen([sys.executable, "-c", _TAKE, database, number, f"worker{i}", str(go)],
                                    cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for i in range(4)]
        time.sleep(1.5)  # let every interpreter start and reach the wait
        go.touch()
        outcome = []
        for proc in workers:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            outcome.append(tuple(json.loads(out.strip().splitlines()[-1])))
        winners = [name for name, result, _ in outcome if result == "won"]
        assert len(winners) == 1, outcome
        assert {by for _, result, by in outcome if result == "lost"} == {winners[0]}  # told who took it
        with db(database) as session:
            report = reports.by_number(session, number)
            assert report is not None and report.status == "in_progress" and report.assignee == winners[0]
            takes = [e for e in reports.history(session, report) if e.action == "take"]
            assert [e.actor for e in takes] == winners
            assert report.version == 4  # submit 1 → accept 2 → dispatch 3 → take 4: one take only


def test_a_stale_page_is_told_who_changed_the_report(database: str) -> None:
    number, _ = _file(database)
    seen = _status(database, number).version
    with db(database) as session:
        reports.act(session, number, "take", WORKER, rules=RULES)
    with db(database) as session, pytest.raises(Conflict, match="grid01"):
        reports.act(session, number, "take", Actor("grid03", "grid_worker", ("WG01",)), expected_version=seen,
                    rules=RULES)


def test_dispatching_again_to_the_same_grid_does_not_restart_the_clock(database: str) -> None:
    number, _ = _file(database)
    with db(database) as session:
        with pytest.raises(ReportError, match="无需重复派遣"):
            reports.act(session, number, "dispatch", LEADER, grid="WG01", rules=RULES, now=T0 + timedelta(days=2))
        moved = reports.act(session, number, "dispatch", LEADER, grid="WG02", rules=RULES, now=T0 + timedelta(days=2))
        assert moved.due_at == T0 + timedelta(days=2, hours=72)  # another grid: its own clock


def test_duplicate_messages_say_what_is_wrong(database: str) -> None:
    number, _ = _file(database)
    with db(database) as session:
        with pytest.raises(ReportError, match="没有编号为 QX999999"):
            reports.act(session, number, "duplicate", LEADER, duplicate_of="QX999999", rules=RULES)
        with pytest.raises(ReportError, match="不能标记为与自己重复"):
            reports.act(session, number, "duplicate", LEADER, duplicate_of=number, rules=RULES)


def test_reopening_keeps_the_earlier_rating_in_the_history(database: str) -> None:
    number, _ = _file(database)
    with db(database) as session:
        for action, actor, extra in (("take", WORKER, {}), ("resolve", WORKER, {"note": "好了"}),
                                     ("close", LEADER, {}), ("rate", RESIDENT, {"rating": 4})):
            reports.act(session, number, action, actor, rules=RULES, now=T0, **extra)
        again = reports.act(session, number, "reopen", RESIDENT, note="又坏了", rules=RULES, now=T0 + timedelta(days=1))
        assert again.rating is None
        assert reports.history(session, again)[-1].note == "又坏了（此前评价 4 分）"


def test_what_staff_other_than_the_grid_worker_read_of_a_report() -> None:
    from operations.models import Report

    report = Report(description="我是李秀英，邮箱 lxy@163.com，微信号lixiuying1950，住3号楼402，电话13812345678",
                    contact="李秀英 13812345678")
    shown = reports.masked_description(report)
    for secret in ("李秀英", "lxy@163.com", "lixiuying1950", "402", "13812345678"):
        assert secret not in shown
    assert "李*英" in shown and "138****5678" in shown
