"""Real-browser fixtures: a Streamlit server on a free port and Debian's headless Chromium.

Browser tests skip with a clear message where no Chromium is installed,
except in CI (``CI=true``), where a missing browser is a failure.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the system Chromium, or skip (fail in CI)."""
    path = _chromium()
    if path is None:
        message = "浏览器测试需要 Chromium（Debian: apt install chromium fonts-noto-cjk）/ no Chromium found"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


class OutboundRecorder:
    """A local socket posing as the HTTP(S) proxy of the server under test: anything it receives is a
    request that would have left the machine (Streamlit's outside IP lookup, say)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = int(self.sock.getsockname()[1])
        self.requests: list[str] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.requests.append(conn.recv(200).decode("latin-1").split("\r\n")[0])
                except OSError:
                    self.requests.append("(connection)")


OUTBOUND = OutboundRecorder()


@functools.lru_cache(maxsize=1)
def e2e_store() -> str:
    """One store (a user per role, tests/store.py) shared by every server of the browser tests."""
    from tests.store import store_with_users

    return store_with_users(Path(tempfile.mkdtemp(prefix="e2e-store-")))


PHOTOS = tempfile.mkdtemp(prefix="e2e-photos-")  # the servers' report photos: never the project's var/


def session_cookie(username: str) -> dict[str, object]:
    """A logged-in session of ``username``, as the cookie the login route sets (valid on every test server)."""
    from dashboard.routes import COOKIE
    from tests.store import token_for

    return {"name": COOKIE, "value": token_for(e2e_store(), username), "domain": "127.0.0.1", "path": "/",
            "httpOnly": True, "sameSite": "Strict"}


def _serve(artifact: Path) -> Iterator[str]:
    """Start the dashboard the way `make run` does (same entry point and config), on a free port."""
    port = _free_port()
    proxy = f"http://127.0.0.1:{OUTBOUND.port}"
    env = {**os.environ, "COMMUNITY_GPKG": str(artifact), "DATABASE_URL": e2e_store(), "PHOTO_DIR": PHOTOS,
           "HTTP_PROXY": proxy, "HTTPS_PROXY": proxy,
           "http_proxy": proxy, "https_proxy": proxy, "NO_PROXY": "", "no_proxy": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, proc, timeout=60)
    except BaseException:
        proc.kill()
        raise
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def wait_for_health(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """Wait until the server at ``url`` answers its health check; fail with its output if it exits or
    does not answer within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                if proc.poll() is None:
                    proc.kill()
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"server did not start:\n{out}")
            time.sleep(0.2)


@pytest.fixture(scope="session")
def server(demo_artifact: Path) -> Iterator[str]:
    """A Streamlit server on a free port showing the demo artifact; yields its base URL."""
    yield from _serve(demo_artifact)


@pytest.fixture(scope="session")
def district_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[str]:
    """A server showing ten demo communities side by side (1,750 buildings: the district view)."""
    from pipelines.bench import make_district
    from pipelines.build import run_build

    folder = tmp_path_factory.mktemp("district")
    make_district(10, folder / "input")
    run_build(folder / "input", folder / "district.gpkg", progress=False)
    yield from _serve(folder / "district.gpkg")


@pytest.fixture(scope="session")
def browser(chromium_path: str):  # type: ignore[no-untyped-def]
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# Opened at a page's own URL (/tables), Streamlit's frontend first looks for its server under that
# path (/tables/_stcore/health, /tables/_stcore/host-config), gets 404 and falls back to the root:
# Streamlit's own probe, not an asset of ours. Only that exact pattern is let through.
_STREAMLIT_BASE_PROBE = re.compile(r"^https?://127\.0\.0\.1:\d+/[^/?#]+/_stcore/(health|host-config)$")


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh 1920×1080 page that records every request to another host and every failed response.

    Every test ends with no response of status 400 or more (a missing marker
    icon, a 404 of any asset): checked when the page closes.
    """
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    context.add_cookies([session_cookie("leader")])  # the community leader: every grid, personal data masked
    pg = context.new_page()
    pg.foreign_requests = []  # type: ignore[attr-defined]
    pg.failed_responses = []  # type: ignore[attr-defined]

    def record(request) -> None:  # type: ignore[no-untyped-def]
        host = request.url.split("/")[2] if "://" in request.url else ""
        if request.url.startswith(("http://", "https://", "ws://", "wss://")) and not host.startswith("127.0.0.1"):
            pg.foreign_requests.append(request.url)  # type: ignore[attr-defined]

    def failed(response) -> None:  # type: ignore[no-untyped-def]
        if response.status >= 400 and not _STREAMLIT_BASE_PROBE.search(response.url):
            pg.failed_responses.append(f"{response.status} {response.url}")  # type: ignore[attr-defined]

    pg.on("request", record)
    pg.on("response", failed)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield pg
    context.close()
    assert pg.failed_responses == [], "responses with status >= 400"  # type: ignore[attr-defined]


def wait_for_app(pg, timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until the Streamlit script has finished running (no sleeps).

    Right after a navigation the attribute can say "notRunning" before the
    first run has started: follow it with :func:`wait_for_text` (or another
    wait on a specific element) before reading the page.
    """
    pg.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)


def wait_for_text(pg, *texts: str, selector: str = "body", timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until the element ``selector`` shows every one of ``texts`` and the script has finished."""
    pg.wait_for_function(
        """([selector, texts]) => { const el = document.querySelector(selector);
        return el !== null && texts.every(t => el.innerText.includes(t)); }""", arg=[selector, list(texts)],
        timeout=timeout)
    wait_for_app(pg, timeout)


def map_frame(pg):  # type: ignore[no-untyped-def]
    """The map iframe's frame once Leaflet has drawn (``window.map`` exists)."""
    handle = pg.wait_for_selector('iframe[title="streamlit_folium.st_folium"]', timeout=30_000)
    frame = handle.content_frame()
    frame.wait_for_selector(".leaflet-container", timeout=30_000)
    frame.wait_for_function("() => window.map !== undefined", timeout=30_000)
    return frame
