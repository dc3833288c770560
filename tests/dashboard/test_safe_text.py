"""Data shown through Markdown or our HTML stays text."""

from __future__ import annotations

from dashboard.safe_text import html_text, md


def test_markdown_image_and_link_are_escaped() -> None:
    hostile = "![t](http://evil.example/x.png) [点我](http://evil.example) **粗** :material/home: $x$"
    escaped = md(hostile)
    assert "![" not in escaped and "](" not in escaped and "**" not in escaped and "\\:material/home\\:" in escaped
    assert escaped.replace("\\", "").replace("\u2060", "") == hostile  # shown exactly as written
    assert "http\\:\u2060//" in escaped  # a bare address is not made a link either
    assert md("第一行\n# 标题") == "第一行 \\# 标题"


def test_html_text_is_inert_in_html_and_markdown() -> None:
    out = html_text('<img src="http://evil.example/x.png">![t](http://evil.example/y.png)')
    assert "<img" not in out and "![" not in out and "](" not in out
