"""Synthetic households and residents of the demo community.

Households are drawn from archetypes of an old community (elderly living
alone, elderly couples, three generations, young renters …); the number of
one- and two-person households is then solved so the totals are exactly
3,937 households and 8,202 residents, and a few middle-aged partners are
aged past 60 so that exactly 2,862 residents (34.9 %) are 60 or older at the
reference date.  Names, ID numbers and phone numbers are synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipelines.idcard import make_id

__all__ = ["HOUSEHOLDS", "RESIDENTS", "AGED_60_PLUS", "Person", "make_people", "synthetic_name",
           "synthetic_phone", "birth_date_for_age"]

HOUSEHOLDS = 3937
RESIDENTS = 8202
AGED_60_PLUS = 2862  # 34.9 % of 8,202

SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋"
                "蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
                "雷钱汤尹黎易常武乔贺赖龚文")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰凤兵建国志红梅文博宇浩然欣怡子涵梓轩"
             "雨萱佳琪俊德福顺庆海燕淑珍秀云立新")
# Tai'an districts first: most residents are registered here.
REGIONS = ["370902"] * 6 + ["370911"] * 2 + ["370921", "370923", "370982", "370983", "371302", "410102"]
MOBILE_PREFIXES = ["135", "136", "137", "138", "139", "150", "151", "152", "158", "159",
                   "182", "183", "186", "187", "188", "189"]


@dataclass
class Person:
    """One synthetic resident before ids are assigned."""

    age: int
    male: bool
    relation: str


def synthetic_name(rng: np.random.Generator) -> str:
    """A made-up Chinese name: a common surname and one or two given characters."""
    given = "".join(rng.choice(GIVEN, size=int(rng.choice([1, 2], p=[0.3, 0.7]))))
    return str(rng.choice(SURNAMES)) + given


def synthetic_phone(rng: np.random.Generator, *, landline_share: float = 0.0) -> str:
    """A made-up mobile number, or a Tai'an landline (0538-…) for some."""
    if rng.random() < landline_share:
        return f"0538-{rng.integers(1_000_000, 9_999_999)}"
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.integers(0, 100_000_000):08d}"


def birth_date_for_age(rng: np.random.Generator, age: int, reference: date) -> date:
    """A birth date that gives exactly ``age`` completed years at ``reference``."""
    anniversary = date(reference.year - age, reference.month, reference.day)
    return anniversary - timedelta(days=int(rng.integers(0, 364)))


def _couple(rng: np.random.Generator, older: tuple[int, int], gap: int = 4) -> list[Person]:
    a = int(rng.integers(*older))
    b = max(older[0] - 2, a - int(rng.integers(0, gap + 1)))
    return [Person(a, True, "户主"), Person(b, False, "配偶")]


def _kids(rng: np.random.Generator, parent_age: int, n: int, relation: str = "子女") -> list[Person]:
    hi = min(18, max(1, parent_age - 22))
    return [Person(int(rng.integers(0, hi)), bool(rng.random() < 0.5), relation) for _ in range(n)]


def _archetype(rng: np.random.Generator, kind: str) -> list[Person]:
    """Members of one household of the given archetype."""
    if kind == "alone_60":
        return [Person(int(rng.integers(60, 80)), bool(rng.random() < 0.35), "户主")]
    if kind == "alone_80":
        return [Person(int(rng.integers(80, 97)), bool(rng.random() < 0.3), "户主")]
    if kind == "couple_60":
        members = _couple(rng, (62, 80))
        members[1].age = max(60, members[1].age)
        return members
    if kind == "couple_80":
        members = _couple(rng, (80, 95), gap=8)
        members[1].age = max(70, members[1].age)
        return members
    if kind == "elder_with_child":
        elders = _couple(rng, (62, 86)) if rng.random() < 0.7 else [
            Person(int(rng.integers(62, 88)), bool(rng.random() < 0.4), "户主")]
        elders[-1].age = max(60, elders[-1].age)
        return elders + [Person(int(rng.integers(28, 56)), bool(rng.random() < 0.5), "子女")]
    if kind == "three_generations":
        elders = _couple(rng, (60, 82))
        elders[1].age = max(60, elders[1].age)
        parent = int(rng.integers(30, 46))
        parents = [Person(parent, True, "子女"), Person(parent - int(rng.integers(0, 4)), False, "其他")]
        return elders + parents + _kids(rng, parent, int(rng.choice([1, 2], p=[0.6, 0.4])), "孙辈")
    if kind == "carer_couple":
        members = _couple(rng, (46, 60))
        return members + [Person(int(rng.integers(74, 95)), bool(rng.random() < 0.3), "父母")]
    if kind == "nuclear":
        members = _couple(rng, (28, 49))
        return members + _kids(rng, members[0].age, int(rng.choice([1, 2], p=[0.7, 0.3])))
    if kind == "single_parent":
        head = Person(int(rng.integers(30, 51)), bool(rng.random() < 0.25), "户主")
        return [head] + _kids(rng, head.age, 1)
    if kind == "single":
        return [Person(int(rng.integers(20, 60)), bool(rng.random() < 0.55), "户主")]
    if kind == "couple":
        members = _couple(rng, (25, 60), gap=5)
        members[1].age = max(22, members[1].age)
        return members
    msg = f"unknown household archetype {kind!r}"
    raise ValueError(msg)


# Fixed numbers of households per archetype; 'single' and 'couple' are solved.
ARCHETYPES: dict[str, int] = {
    "alone_60": 215, "alone_80": 78, "couple_60": 175, "couple_80": 60,
    "elder_with_child": 560, "three_generations": 290, "carer_couple": 120,
    "nuclear": 420, "single_parent": 60,
}


def _solve_small_households(fixed: list[list[Person]]) -> tuple[int, int]:
    """Numbers of 1- and 2-person young households that make the totals exact."""
    rest_households = HOUSEHOLDS - len(fixed)
    rest_people = RESIDENTS - sum(len(h) for h in fixed)
    couples = rest_people - rest_households
    singles = rest_households - couples
    if couples < 0 or singles < 0:
        msg = "demo archetype counts cannot reach 3,937 households and 8,202 residents"
        raise ValueError(msg)
    return singles, couples


def _age_to_target(rng: np.random.Generator, households: list[tuple[str, list[Person]]]) -> None:
    """Age some middle-aged partners past 60 so exactly AGED_60_PLUS are 60+.

    Only the older partner of a young couple moves, and only while the other
    stays under 60, so no household becomes all-elderly by this step.
    """
    count = sum(p.age >= 60 for _, h in households for p in h)
    need = AGED_60_PLUS - count
    if need < 0:
        msg = f"demo has {count} residents aged 60+, more than {AGED_60_PLUS}"
        raise ValueError(msg)
    candidates = [h for kind, h in households if kind == "couple" and max(p.age for p in h) < 60]
    chosen = rng.choice(len(candidates), size=need, replace=False)
    for k in sorted(int(c) for c in chosen):
        members = candidates[k]
        members[0].age = int(rng.integers(60, 67))
        members[1].age = min(members[1].age, 59)


def make_people(rng: np.random.Generator) -> list[tuple[str, list[Person]]]:
    """All 3,937 households as (archetype, members), in random order."""
    fixed = [(kind, _archetype(rng, kind)) for kind, n in ARCHETYPES.items() for _ in range(n)]
    singles, couples = _solve_small_households([h for _, h in fixed])
    households = fixed + [("single", _archetype(rng, "single")) for _ in range(singles)]
    households += [("couple", _archetype(rng, "couple")) for _ in range(couples)]
    _age_to_target(rng, households)
    order = rng.permutation(len(households))
    return [households[int(i)] for i in order]


def resident_rows(
    rng: np.random.Generator,
    households: list[tuple[str, list[Person]]],
    household_ids: list[str],
    reference: date,
) -> pd.DataFrame:
    """The residents table (English keys) for the given households."""
    rows = []
    seq = 0
    for (kind, members), hh_id in zip(households, household_ids, strict=True):
        surname = str(rng.choice(SURNAMES))
        for person in members:
            seq += 1
            birth = birth_date_for_age(rng, person.age, reference)
            same_name = person.relation in ("户主", "子女", "孙辈") and rng.random() < 0.8
            name = surname + synthetic_name(rng)[1:] if same_name else synthetic_name(rng)
            region = str(rng.choice(REGIONS))
            migrant = kind in ("single", "couple") and rng.random() < 0.35
            party_share = 0.2 if person.age >= 60 else (0.06 if person.age >= 18 else 0.0)
            rows.append({
                "person_id": f"P{seq:06d}",
                "name": name,
                "sex": "男" if person.male else "女",
                "birth_date": birth,
                "id_number": make_id(region, birth, seq, male=person.male) if rng.random() < 0.97 else None,
                "phone": (synthetic_phone(rng, landline_share=0.3 if person.age >= 70 else 0.02)
                          if person.age >= 16 and rng.random() < 0.92 else None),
                "household_id": hh_id,
                "relation": person.relation,
                "residence_type": "流动" if migrant else ("寄住" if rng.random() < 0.02 else "户籍"),
                "political_status": ("中共党员" if rng.random() < party_share else "群众")
                if person.age >= 18 else "群众",
            })
    return pd.DataFrame(rows)
