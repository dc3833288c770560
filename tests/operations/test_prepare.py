"""`python -m operations prepare` (run by `make run`) on the demo: demo users, and the demo's export imported
once, so a demo grid worker has reports to handle in 我的工单."""

from __future__ import annotations

from pathlib import Path

import pytest

from operations import reports
from operations.access import list_users
from operations.cli import main
from operations.store import db


def test_the_demo_is_prepared_once(demo_artifact: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'store.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["prepare", "--artifact", str(demo_artifact)]) == 0
    said = capsys.readouterr().out
    assert "示例用户" in said and "已导入示例诉求工单" in said
    with db(url) as session:
        users = {u.username for u in list_users(session)}
        imported = reports.report_frame(session)
        mine = reports.queue(session, ("WG01",))
    assert {"admin", "leader", "grid01", "meeting"} <= users
    assert len(imported) == 2600 and set(imported["source"]) == {"import"}
    assert mine and all(r.grid_id == "WG01" for r in mine)  # grid01's open reports, ready in the queue
    assert main(["prepare", "--artifact", str(demo_artifact)]) == 0  # the next make run: nothing again
    assert "已导入" not in capsys.readouterr().out
    with db(url) as session:
        assert len(reports.report_frame(session)) == 2600
