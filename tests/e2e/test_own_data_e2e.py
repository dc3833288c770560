"""A community's own data in a real browser: only the required tables, a small meeting, the README's steps."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.build import run_build
from tests.community import OPTIONAL, REQUIRED, write_community
from tests.e2e.conftest import ROOT, SCREENSHOTS, _serve, map_frame, wait_for_app, wait_for_health

COUNT_BUILDINGS = """() => { let n = 0; window.map.eachLayer(l => {
  if (l.feature && l.feature.properties && l.feature.properties.building_id !== undefined) n++; }); return n; }"""


@pytest.fixture(scope="module")
def required_only(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[str]:
    """A server showing a community that keeps only 居民信息表 and 房屋住户表."""
    folder = tmp_path_factory.mktemp("required")
    run_build(write_community(folder / "in", REQUIRED), folder / "community.gpkg", progress=False)
    yield from _serve(folder / "community.gpkg")


@pytest.fixture(scope="module")
def small_full(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[tuple[str, Path]]:
    """A server showing the small community with every table, on its own copy of the artifact."""
    folder = tmp_path_factory.mktemp("small")
    out = folder / "community.gpkg"
    run_build(write_community(folder / "in", (*REQUIRED, *OPTIONAL)), out, progress=False)
    for url in _serve(out):
        yield url, out


def test_required_tables_only_in_the_browser(required_only: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(required_only)
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_function("() => window.map !== undefined")
    assert frame.evaluate(COUNT_BUILDINGS) == 6
    body = page.inner_text("body")
    assert "测试社区" in body and "20" in body
    assert "Streamlit" not in page.inner_text('[data-testid="stMain"]')
    for name in ("情况表", "数据质量"):
        page.get_by_role("link", name=name).click()
        wait_for_app(page)
        page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)
        assert not page.locator('[data-testid="stException"]').count()
    assert page.foreign_requests == []
    page.goto(required_only)
    wait_for_app(page)
    map_frame(page)
    page.screenshot(path=str(SCREENSHOTS / "own_required_only.png"))


def test_meeting_view_of_a_small_community(small_full: tuple[str, Path], page) -> None:  # type: ignore[no-untyped-def]
    url, _ = small_full
    page.goto(f"{url}/?mode=meeting")
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_function("() => window.map !== undefined")
    table = page.wait_for_selector('[data-testid="grid-table"]', timeout=30_000)
    text = table.inner_text()
    assert "第一网格" in text and "第二网格" in text
    assert page.foreign_requests == []
    page.screenshot(path=str(SCREENSHOTS / "meeting_small.png"))


CENTRE_OF_A_BUILDING = """() => { let found = null; window.map.eachLayer(l => {
  if (!found && l.feature && l.feature.properties && l.feature.properties.building_id !== undefined) found = l; });
  const p = window.map.latLngToContainerPoint(found.getBounds().getCenter());
  return {x: p.x, y: p.y}; }"""


def test_an_error_in_the_map_fragment_shows_our_message(small_full: tuple[str, Path],  # type: ignore[no-untyped-def]
                                                         page) -> None:
    """The artifact is replaced by a broken file while the map is open: a click must not show a traceback."""
    url, artifact = small_full
    page.goto(url)
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_function("() => window.map !== undefined")
    target = frame.evaluate(CENTRE_OF_A_BUILDING)
    artifact.write_bytes(artifact.read_bytes()[:8192])  # truncated under the running app
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    page.wait_for_function("() => document.body.innerText.includes('页面出错了')", timeout=30_000)
    body = page.inner_text("body")
    assert "Streamlit Cloud" not in body and "Traceback" not in body
    page.reload()
    wait_for_app(page)
    page.wait_for_function("(p) => document.body.innerText.includes(p)", arg=str(artifact), timeout=30_000)
    assert "python -m pipelines build" in page.inner_text("body")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _repo_copy(target: Path) -> Path:
    """The repository as a new user has it (tracked files, mtimes kept), sharing the installed .venv."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in filter(None, listed.split("\0")):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    (target / ".venv").symlink_to(ROOT / ".venv")
    return target


def test_readme_bring_your_own_data_steps(tmp_path: Path, page) -> None:  # type: ignore[no-untyped-def]
    """README: build your own into the default path, copy and edit the rules, rebuild, `make run`: not the demo."""
    if not (ROOT / ".venv" / ".installed").exists():
        pytest.skip("needs the project's .venv (make test creates it)")
    repo = _repo_copy(tmp_path / "repo")
    folder = write_community(tmp_path / "我们的社区", REQUIRED, community="我们的社区")
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "-m", "pipelines", "build", "--input", str(folder), "--quiet"], cwd=repo, check=True)
    rules = folder / "my_rules.toml"
    shutil.copy(repo / "pipelines" / "rules" / "flags.toml", rules)
    rules.write_text(rules.read_text(encoding="utf-8").replace("min_age = 80", "min_age = 85"), encoding="utf-8")
    subprocess.run([python, "-m", "pipelines", "build", "--input", str(folder), "--rules", str(rules), "--quiet"],
                   cwd=repo, check=True)
    default_rules = repo / "pipelines" / "rules" / "flags.toml"  # someone also edits the shipped rules in place
    default_rules.write_text(default_rules.read_text(encoding="utf-8").replace("red = 7", "red = 10"),
                             encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("COMMUNITY_GPKG", "DATABASE_URL")}
    # our own data: no demo users; the README says to add an administrator first (make run refuses otherwise)
    refused = subprocess.run(["make", "run", f"PORT={_free_port()}"], cwd=repo, env=env, capture_output=True,
                             text=True, timeout=300)
    assert refused.returncode != 0 and "python -m operations users add" in refused.stderr
    subprocess.run([python, "-m", "operations", "users", "add", "zhang", "--role", "admin", "--password",
                    "our-own-password"], cwd=repo, env=env, check=True)
    port = _free_port()
    server = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=repo, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_health(f"http://127.0.0.1:{port}", server)
        page.goto(f"http://127.0.0.1:{port}")
        page.wait_for_url("**/login**")  # no session for this server: its login page
        page.fill("#username", "zhang")
        page.fill("#password", "our-own-password")
        page.click("button[type=submit]")
        wait_for_app(page)
        map_frame(page)
        body = page.inner_text("body")
        assert "我们的社区" in body and "3,937" not in body
        metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
        assert metrics[0] == "20"
        assert "新增 3937" not in body and "3937" not in body
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    assert (repo / "build" / "community.gpkg").exists()

