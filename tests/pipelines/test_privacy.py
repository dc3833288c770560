"""Masking of personal data."""

from __future__ import annotations

import pandas as pd

from pipelines.privacy import mask_address, mask_frame, mask_id, mask_name, mask_phone, mask_quality


def test_masks() -> None:
    assert mask_name("张小明") == "张*明" and mask_name("张三") == "张*" and mask_name("欧阳小明") == "欧**明"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0538-1234567") == "0538*****67"
    assert mask_id("370902195003120017") == "3709**********0017"


def test_quality_values_of_pii_columns_are_masked() -> None:
    quality = pd.DataFrame({"column": ["身份证号", "联系电话", "需求描述", "小区"],
                            "value": ["370902195003120018", "1381234567", "王阿姨电话13800001111", "广升泉小区"]})
    masked = mask_quality(quality)["value"].tolist()
    assert masked[0] == "3709**********0018" and "234567" not in masked[1]
    assert "13800001111" not in masked[2] and masked[3] == "广升泉小区"


def test_small_counts_suppressed() -> None:
    from pipelines.privacy import suppress_small_counts

    out = suppress_small_counts(pd.DataFrame({"red": [0, 1, 2, 3, 7]}), ["red"])
    assert out["red"].tolist() == ["0", "<3", "<3", "3", "7"]


def test_addresses_stop_at_building_and_unit() -> None:
    assert mask_address("广生泉小区3号楼2单元501") == "广生泉小区3号楼2单元（房号已隐藏）"
    assert mask_address("广生泉小区3-2-501室") == "广生泉小区3-2（房号已隐藏）"
    assert mask_address("滨河夜市街区") == "滨河夜市街区"  # no flat, nothing to hide
    quality = pd.DataFrame({"column": ["住址"], "value": ["广升泉小区5号楼1单元302"]})
    assert "302" not in mask_quality(quality)["value"].iloc[0]
    hazards = pd.DataFrame({"hazard_id": ["H1"], "location": ["文化路小区1号楼2单元202"]})
    assert mask_frame(hazards, "hazards")["location"].iloc[0] == "文化路小区1号楼2单元（房号已隐藏）"
