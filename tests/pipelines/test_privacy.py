"""Masking of personal data: what each column becomes, and that what is shown cannot be put back together."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio

from pipelines.idcard import check_digit
from pipelines.privacy import (
    mask_address,
    mask_frame,
    mask_id,
    mask_mobile,
    mask_name,
    mask_phone,
    mask_quality,
    meeting_count,
    scrub_text,
)


def test_masks() -> None:
    assert mask_name("张小明") == "张*明" and mask_name("张三") == "张*" and mask_name("欧阳小明") == "欧**明"
    assert mask_name("张三、李小四") == "张*、李*四"
    assert mask_name("王　芳") == "王*" and mask_name("李 娜") == "李*"  # a space to line names up is not two names
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0538-1234567") == "0538*****67"
    assert mask_id("370902195003120017") == "37**************17"
    assert mask_mobile("0538-8221234") == "0538-8221234" and mask_mobile("13800001111") == "138****1111"


def test_quality_values_are_masked_as_their_column() -> None:
    quality = pd.DataFrame({"table": ["居民信息表", "居民信息表", "居民需求表", "房屋住户表", "老年人关爱表"],
                            "column": ["身份证号", "联系电话", "需求描述", "小区", "最近走访日期"],
                            "value": ["370902195003120018", "1381234567", "王阿姨电话13800001111", "广升泉小区",
                                      "2027-02-15"]})
    masked = mask_quality(quality)["value"].tolist()
    assert masked[0] == "37**************18" and "234567" not in masked[1]
    assert "13800001111" not in masked[2] and masked[3] == "广升泉小区" and masked[4] == "2027-02-15"


def test_meeting_counts_are_rounded() -> None:
    assert [meeting_count(n) for n in (0, 1, 4, 5, 7, 8, 27, 3937)] == ["<5", "<5", "<5", "5", "5", "10", "25",
                                                                         "3,935"]


def test_addresses_stop_at_building_and_unit() -> None:
    assert mask_address("广生泉小区3号楼2单元501") == "广生泉小区3号楼2单元（房号已隐藏）"
    assert mask_address("广生泉小区3-2-501室") == "广生泉小区3-2（房号已隐藏）"
    assert mask_address("滨河夜市街区") == "滨河夜市街区"  # no flat, nothing to hide
    quality = pd.DataFrame({"table": ["房屋住户表"], "column": ["住址"], "value": ["广升泉小区5号楼1单元302"]})
    assert "302" not in mask_quality(quality)["value"].iloc[0]
    hazards = pd.DataFrame({"hazard_id": ["H1"], "location": ["文化路小区1号楼2单元202"]})
    assert mask_frame(hazards, "hazards")["location"].iloc[0] == "文化路小区1号楼2单元（房号已隐藏）"


def test_free_text_never_carries_numbers_or_flats() -> None:
    text = "王阿姨（身份证370902195711300031）电话13800001111，住3号楼2单元501，单位座机0538-8221234"
    clean = scrub_text(text)
    for secret in ("370902195711300031", "13800001111", "501", "8221234"):
        assert secret not in clean
    assert scrub_text("2026-11-28 10:00") == "2026-11-28 10:00" and scrub_text("第三网格党支部") == "第三网格党支部"
    frames = {
        "special_groups": pd.DataFrame({"person_id": ["P1"], "support": ["联系女儿张丽13900002222"]}),
        "party_volunteers": pd.DataFrame({"person_id": ["P1"], "party_unit": ["党小组 组长手机13900003333"]}),
        "grid_work": pd.DataFrame({"worker": ["李建国"], "note": ["走访王大爷，3-2-501"]}),
        "resources": pd.DataFrame({"name": ["爱心药房"], "contact": ["赵敏"], "phone": ["13900004444"]}),
        "households": pd.DataFrame({"household_id": ["H1"], "compound": ["幸福小区5号楼1单元302"],
                                    "building_number": ["A1-1-203"]}),
    }
    shown = " ".join(" ".join(str(v) for v in mask_frame(f, k).to_numpy().ravel()) for k, f in frames.items())
    for secret in ("13900002222", "张丽", "13900003333", "李建国", "王大爷", "501", "赵敏", "13900004444", "302",
                   "203"):
        assert secret not in shown, secret


def _candidates(masked: str, birth_year: str, sex: str, region: str) -> int:
    """How many 18-character ID numbers fit what a Tables row shows (the region assumed known)."""
    count = 0
    shown_tail = masked[-2:]
    for month in range(1, 13):
        for day in range(1, 32):
            try:
                pd.Timestamp(int(birth_year), month, day)
            except ValueError:
                continue
            for sequence in range(100):
                first17 = f"{region}{birth_year}{month:02d}{day:02d}{sequence:02d}{shown_tail[0]}"
                if (int(shown_tail[0]) % 2 == 1) != (sex == "男"):
                    continue
                if check_digit(first17) == shown_tail[1]:
                    count += 1
                    if count >= 50:
                        return count
    return count


def test_id_numbers_cannot_be_rebuilt_from_a_tables_row(demo_artifact: Path) -> None:
    """The old mask (3709…0031 beside 1957-11-30) left a single candidate for most residents."""
    residents = pyogrio.read_dataframe(demo_artifact, layer="residents", read_geometry=False)
    shown = mask_frame(residents, "residents")
    with_id = shown["id_number"].fillna("") != ""
    assert with_id.sum() > 7000
    for row in shown[with_id].sample(40, random_state=7).itertuples():
        assert "-" not in str(row.birth_date) and str(row.birth_date).endswith("年")  # a year, not a date
        full = residents.at[row.Index, "id_number"]
        assert row.id_number == mask_id(full)
        # even knowing the county (characters 1–6), at least 50 numbers fit what the row shows
        assert _candidates(row.id_number, str(row.birth_date)[:4], row.sex, full[:6]) >= 50
