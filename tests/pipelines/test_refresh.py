"""`make run`'s refresh: the demo only where there is no artifact; otherwise rebuild from the artifact's own input."""

from __future__ import annotations

import os
from pathlib import Path

import pyogrio
import pytest

from pipelines.build import BuildError, run_build
from pipelines.publish import read_meta
from pipelines.refresh import refresh
from tests.community import REQUIRED, write_community


def _households(path: Path) -> int:
    return int(pyogrio.read_info(path, layer="households")["features"])


def test_no_artifact_builds_the_demo(tmp_path: Path) -> None:
    demo = write_community(tmp_path / "demo", REQUIRED, community="示例")
    out = tmp_path / "build" / "community.gpkg"
    assert "示例社区已构建" in refresh(out, demo=demo, quiet=True)
    assert read_meta(out)["input"] == str(demo.resolve())


def test_own_artifact_is_rebuilt_from_its_own_folder_never_from_the_demo(tmp_path: Path) -> None:
    demo = write_community(tmp_path / "demo", REQUIRED)
    own = write_community(tmp_path / "own", REQUIRED, community="自己的社区")
    out = tmp_path / "community.gpkg"
    rules = tmp_path / "my_rules.toml"
    from pipelines.flags import DEFAULT_RULES

    rules.write_text(DEFAULT_RULES.read_text(encoding="utf-8"), encoding="utf-8")
    run_build(own, out, rules_path=rules, progress=False)
    built = out.stat().st_mtime
    assert "最新" in refresh(out, demo=demo, quiet=True) and out.stat().st_mtime == built
    # the office edits its rules (README step 5), then runs `make run`
    rules.write_text(rules.read_text(encoding="utf-8").replace("min_age = 80", "min_age = 85"), encoding="utf-8")
    os.utime(rules, (built + 10, built + 10))
    assert "已从" in refresh(out, demo=demo, quiet=True)
    meta = read_meta(out)
    assert meta["input"] == str(own.resolve()) and meta["rules"] == str(rules.resolve())
    assert meta["community"] == "自己的社区"


def test_a_path_given_by_the_user_is_never_filled_with_the_demo(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="COMMUNITY_GPKG="):
        refresh(tmp_path / "missing.gpkg", demo=None, env_name="COMMUNITY_GPKG")
    assert not (tmp_path / "missing.gpkg").exists()


def test_a_damaged_artifact_says_how_to_rebuild(tmp_path: Path) -> None:
    out = tmp_path / "community.gpkg"
    run_build(write_community(tmp_path / "own", REQUIRED), out, progress=False)
    out.write_bytes(out.read_bytes()[:4096])
    with pytest.raises(BuildError, match="python -m pipelines build"):
        refresh(out, demo=tmp_path / "own", quiet=True)


def test_a_failed_rebuild_keeps_the_map_and_says_why(tmp_path: Path) -> None:
    from pipelines.build import failure_note_path

    own = write_community(tmp_path / "own", REQUIRED)
    out = tmp_path / "community.gpkg"
    run_build(own, out, progress=False)
    good = out.read_bytes()
    (own / "房屋住户表.xlsx").write_bytes(b"<html><table></table></html>")  # the office saved an HTML export
    message = refresh(out, demo=None, quiet=True)  # make run goes on: the last good map is better than none
    assert "重建失败" in message and "房屋住户表.xlsx" in message and out.read_bytes() == good
    note = failure_note_path(out)
    assert "房屋住户表.xlsx" in note.read_text(encoding="utf-8") and note.stat().st_mode & 0o077 == 0
    write_community(own, REQUIRED)  # fixed: the next build succeeds and the note goes
    os.utime(own / "房屋住户表.xlsx", (out.stat().st_mtime + 5, out.stat().st_mtime + 5))
    assert "已从" in refresh(out, demo=None, quiet=True) and not note.exists()
