"""geodata/README.md is generated from the schema and must be current."""

from __future__ import annotations

from pathlib import Path

from pipelines.docs import render_data_dictionary
from pipelines.schema import LAYERS, TABLES

ROOT = Path(__file__).resolve().parents[1]


def test_data_dictionary_is_current(sample_dir: Path) -> None:
    written = (ROOT / "geodata" / "README.md").read_text(encoding="utf-8")
    assert written == render_data_dictionary(sample_dir), "run `python -m pipelines docs`"


def test_data_dictionary_documents_every_table_and_problem(sample_dir: Path) -> None:
    text = render_data_dictionary(sample_dir)
    for table in [*TABLES.values(), *LAYERS.values()]:
        assert table.name_zh in text
        for col in table.columns:
            assert col.header in text
    assert "广升泉小区" in text and "孤寡老人" in text
