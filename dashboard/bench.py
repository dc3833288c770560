"""Dashboard speed as a user meets it: ``python -m dashboard.bench [--scales 1 10 100]``.

For each scale the demo community is copied side by side (``pipelines.bench.make_district``)
and built once into ``build/bench/x{scale}.gpkg``.  A Streamlit server shows it; headless
Chromium (Debian's, no download) opens the map page on a warm server and measures:

* **first drawn**: navigation start → the first building (or, for a district, the first grid)
  drawn in the Leaflet map (the component iframe exposes it as ``window.map``);
* **map payload**: the size of the map's script in the iframe (every GeoJSON property is in it),
  and everything the page received over its websocket;
* **filter redraw**: choosing one grid in the sidebar → the map redrawn with that grid's buildings;
* **naive map**: first drawn for ``bench_naive.py`` (one streamlit-folium GeoJSON layer of every
  building with a tooltip, nothing else) on the same machine, for comparison.

Each figure is the median of three page loads.  Prints a table; the README quotes it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "build" / "bench"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]

# layers drawn in the map iframe: buildings, and grids (for the district view)
_COUNT = """() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  if (!f || !f.contentWindow || !f.contentWindow.map) return null;
  let b = 0, g = 0; f.contentWindow.map.eachLayer(l => { if (!l.feature) return;
    const p = l.feature.properties; if (p.building_id !== undefined) b++; else if (p.grid_id !== undefined) g++; });
  const script = Array.from(f.contentDocument.scripts).map(s => s.text)
    .reduce((a, s) => s.length > a.length ? s : a, "");
  return {buildings: b, grids: g, bytes: new Blob([script]).size}; }"""


def artifact(scale: int) -> Path:
    """The built artifact of a district of ``scale`` demo communities (built once, then reused)."""
    from pipelines.bench import make_district
    from pipelines.build import run_build

    out = BENCH_DIR / f"x{scale}.gpkg"
    if not out.exists():
        folder = BENCH_DIR / f"x{scale}-input"
        if not folder.exists():
            make_district(scale, folder)
        run_build(folder, out, progress=False)
    return out


def _bench_login() -> tuple[str, str]:
    """A store of the benchmark's own with a leader, and a session token for them: (store URL, token)."""
    import secrets

    from operations import access
    from operations.store import db, migrate

    url = f"sqlite:///{BENCH_DIR / 'store.sqlite'}"
    migrate(url)
    password = secrets.token_urlsafe(16)
    with db(url) as session:
        if not [u for u in access.list_users(session) if u.username == "bench"]:
            access.create_user(session, "bench", password, "leader", actor="bench")
        else:
            access.reset_password(session, "bench", password, actor="bench")
        token = access.login(session, "bench", password)
    assert token is not None
    return url, token


def _serve(path: Path, port: int, script: str = "dashboard/app.py", store: str = "") -> subprocess.Popen[bytes]:
    env = {**os.environ, "COMMUNITY_GPKG": str(path), **({"DATABASE_URL": store} if store else {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("streamlit did not start")


def _measure(page, url: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """One page load: time to the first drawn feature, payload, time to redraw after a grid filter."""
    received: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda data: received.append(len(data))))
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(f"() => {{ const c = ({_COUNT})(); return c && (c.buildings > 0 || c.grids > 0); }}",
                           timeout=120_000, polling=20)
    first = time.perf_counter() - start
    drawn = page.evaluate(f"({_COUNT})()")
    page_kb = sum(received) / 1024
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=120_000)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("combobox", name="网格").click()
    option = page.get_by_role("option").nth(2)
    start = time.perf_counter()
    option.click()
    page.wait_for_function(
        f"(before) => {{ const c = ({_COUNT})(); return c && c.buildings > 0 && "
        f"(c.buildings !== before.buildings || c.grids !== before.grids); }}",
        arg=drawn, timeout=120_000, polling=20)
    redraw = time.perf_counter() - start
    after = page.evaluate(f"({_COUNT})()")
    page.keyboard.press("Escape")
    return {"first_drawn_s": first, "payload_kb": drawn["bytes"] / 1024, "page_kb": page_kb,
            "buildings": drawn["buildings"],
            "grids": drawn["grids"], "redraw_s": redraw, "buildings_after_filter": after["buildings"]}


def _first_drawn(page, url: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(f"() => {{ const c = ({_COUNT})(); return c && c.buildings > 0; }}",
                           timeout=120_000, polling=20)
    return {"first_drawn_s": time.perf_counter() - start}


def _medians(browser, path: Path, port: int, script: str, measure, repeats: int,  # type: ignore[no-untyped-def]
             login: tuple[str, str] | None = None) -> dict[str, float]:
    """Serve ``script`` on ``path``; warm it with one page load, then the median of ``repeats`` fresh pages."""
    proc = _serve(path, port, script, login[0] if login else "")
    url = f"http://127.0.0.1:{port}"
    try:
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        if login:  # the app shows nothing before a login: the benchmark is a logged-in leader
            context.add_cookies([{"name": "qx_session", "value": login[1], "domain": "127.0.0.1", "path": "/",
                                  "httpOnly": True, "sameSite": "Strict"}])
        measure(context.new_page(), url)  # warm the server's caches
        runs = []
        for _ in range(repeats):
            fresh = context.new_page()
            runs.append(measure(fresh, url))
            fresh.close()
        context.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return {key: round(statistics.median(r[key] for r in runs), 2) for key in runs[0]}


def run(scales: list[int], repeats: int = 3) -> list[dict[str, object]]:
    """Measure every scale; return one row of medians per scale."""
    from playwright.sync_api import sync_playwright

    rows: list[dict[str, object]] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                     args=CHROMIUM_ARGS)
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        login = _bench_login()
        for scale in scales:
            path = artifact(scale)
            port = 8700 + scale % 97
            row: dict[str, object] = {"scale": f"x{scale}"}
            row.update(_medians(browser, path, port, "dashboard/app.py", _measure, repeats, login))
            naive = _medians(browser, path, port + 1, "dashboard/bench_naive.py", _first_drawn, repeats)
            row["naive_first_drawn_s"] = naive["first_drawn_s"]
            rows.append(row)
            print(json.dumps(row), flush=True)
        browser.close()
    return rows


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="仪表盘速度基准 / dashboard speed benchmark")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = run(args.scales, args.repeats)
    print(f"{'scale':>6} {'first drawn':>12} {'map payload':>12} {'page':>9} {'buildings':>10} {'grids':>6} "
          f"{'filter redraw':>14} {'naive map':>10}")
    for r in rows:
        print(f"{r['scale']:>6} {r['first_drawn_s']:>10.2f} s {r['payload_kb']:>9.0f} KB {r['page_kb']:>6.0f} KB "
              f"{r['buildings']:>10} {r['grids']:>6} {r['redraw_s']:>12.2f} s {r['naive_first_drawn_s']:>8.2f} s")


if __name__ == "__main__":
    main()
