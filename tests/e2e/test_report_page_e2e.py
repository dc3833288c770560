"""The public report page over HTTP, as an outsider would try it: a reload files nothing twice, other sites
cannot post, a receipt typed on a Chinese keyboard works, and staff-only media never open without a login."""

from __future__ import annotations

import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from operations import reports
from operations.places import load_places
from operations.store import db
from tests.e2e.conftest import e2e_store


def _multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(12)
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in fields.items()) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _post(url: str, data: bytes, kind: str, origin: str | None = None) -> tuple[int, str]:
    headers = {"Content-Type": kind, **({"Origin": origin} if origin else {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _form(server: str, demo_artifact: Path, text: str) -> dict[str, str]:
    with urllib.request.urlopen(f"{server}/report", timeout=30) as resp:
        page = resp.read().decode()
    form_id = re.search(r'name="form_id" value="([^"]+)"', page)
    assert form_id, "the form carries a one-time id"
    places = load_places(demo_artifact)
    building = places.compounds()[0][2][0][0]
    return {"form_id": form_id.group(1), "category": "环境卫生", "description": text, "building": building}


def test_a_reload_of_the_receipt_page_files_nothing_twice(server: str, demo_artifact: Path) -> None:
    text = f"重复提交测试 {secrets.token_hex(4)}"
    body, kind = _multipart(_form(server, demo_artifact, text))
    first = _post(f"{server}/report", body, kind)
    again = _post(f"{server}/report", body, kind)  # what a reload sends
    receipt = re.search(r'id="receipt">([^<]+)<', first[1])
    assert first[0] == 200 and receipt
    assert again[0] == 200 and receipt.group(1) in again[1] and "已经提交过" in again[1]
    with db(e2e_store()) as session:
        assert (reports.report_frame(session)["description"] == text).sum() == 1


def test_other_sites_cannot_post_for_a_visitor(server: str, demo_artifact: Path) -> None:
    body, kind = _multipart(_form(server, demo_artifact, "别的网站代提交"))
    status, page = _post(f"{server}/report", body, kind, origin="http://evil.example")
    assert status == 403 and "本社区" in page
    lookup = urllib.parse.urlencode({"receipt": "AAAA-BBBB-CCCC"}).encode()
    status, _ = _post(f"{server}/report/track/cancel", lookup, "application/x-www-form-urlencoded",
                      origin="http://evil.example")
    assert status == 403
    with db(e2e_store()) as session:
        assert not (reports.report_frame(session)["description"] == "别的网站代提交").any()


def test_a_receipt_typed_in_full_width_characters_is_found(server: str, demo_artifact: Path) -> None:
    body, kind = _multipart(_form(server, demo_artifact, "全角回执号测试"))
    _, page = _post(f"{server}/report", body, kind)
    receipt = re.search(r'id="receipt">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else "－" for c in receipt.lower())  # ｇ３ｗｐ－…
    status, shown = _post(f"{server}/report/track", urllib.parse.urlencode({"receipt": wide}).encode(),
                          "application/x-www-form-urlencoded")
    assert status == 200 and 'id="history"' in shown and "全角回执号测试" in shown  # their own words shown back


def test_a_noncharacter_is_dropped_and_the_xml_feed_stays_valid(server: str, demo_artifact: Path) -> None:
    from xml.etree import ElementTree as ET

    body, kind = _multipart(_form(server, demo_artifact, "坏字符\uffff测试\ufffe"))
    assert _post(f"{server}/report", body, kind)[0] == 200
    with urllib.request.urlopen(f"{server}/open311/v2/requests.xml", timeout=30) as resp:
        ET.fromstring(resp.read())  # well-formed


def test_media_files_open_only_with_a_login(server: str) -> None:
    try:
        urllib.request.urlopen(f"{server}/media/0123456789abcdef0123456789abcdef.jpg", timeout=30)
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 403
