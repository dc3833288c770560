"""The report workflow as the community office wrote it in ``operations/rules/workflow.toml``.

The file names the states (the seven steps 信息采集 … 综合评价 and the side exits 重复/转派/撤销), every
allowed move with the roles that may make it and what it must carry, and the time limit per category.
Nothing here decides a rule: it only reads, checks and answers questions about the file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["ROLES", "WORKFLOW_RULES", "State", "Transition", "Workflow", "WorkflowConfigError", "WorkflowError",
           "load_workflow", "workflow"]

WORKFLOW_RULES = Path(__file__).with_name("rules") / "workflow.toml"
ROLES = ("admin", "leader", "grid_worker", "resident", "system", "api")
NEEDS = ("note", "grid", "duplicate_of", "where", "rating")
ROLE_NAMES = {"admin": "管理员", "leader": "社区领导", "grid_worker": "网格员", "resident": "居民",
              "system": "系统", "api": "接口客户端"}


class WorkflowConfigError(ValueError):
    """workflow.toml cannot be used: the message names the entry and what is wrong."""


class WorkflowError(ValueError):
    """A move the rules do not allow (the message, in Chinese and English, says why and what is allowed)."""


@dataclass(frozen=True)
class State:
    """One state of a report."""

    key: str
    label: str
    en: str
    step: int | None  # 1–7 for the seven steps; None for a side exit
    open: bool  # still work to do for the office
    open311: str  # "open" or "closed"


@dataclass(frozen=True)
class Transition:
    """One allowed move: from any of ``sources`` to ``target``, by ``roles``, carrying ``needs``."""

    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Workflow:
    """The whole file, checked."""

    states: dict[str, State]
    transitions: dict[str, Transition]
    hours: dict[str, float]
    default_hours: float = 72
    auto_dispatch: bool = True
    reopen_days: int = 7
    duplicate_days: int = 7
    duplicate_metres: float = 50
    rate_limit_per_hour: int = 5
    photo_max_mb: float = 8
    photo_max_side: int = 1600

    @property
    def categories(self) -> list[str]:
        """The report categories a resident may choose (those with a time limit)."""
        return list(self.hours)

    @property
    def open_states(self) -> tuple[str, ...]:
        """States with work left for the office."""
        return tuple(k for k, s in self.states.items() if s.open)

    def hours_for(self, category: str) -> float:
        """The time limit of ``category`` in hours, from dispatch."""
        return self.hours.get(category, self.default_hours)

    def label(self, state: str, lang: str = "zh") -> str:
        """What a person reads for ``state``."""
        found = self.states.get(state)
        if found is None:
            return state
        return found.en if lang == "en" else found.label

    def actions_for(self, state: str, role: str) -> list[Transition]:
        """The moves ``role`` may make from ``state``, in the file's order."""
        return [t for t in self.transitions.values() if state in t.sources and role in t.roles]

    def check(self, action: str, state: str, role: str) -> Transition:
        """The transition of ``action`` from ``state`` by ``role``, or :class:`WorkflowError` saying why not."""
        move = self.transitions.get(action)
        if move is None:
            msg = f"没有“{action}”这一步 / unknown action {action!r}"
            raise WorkflowError(msg)
        if state not in move.sources:
            allowed = "、".join(self.label(s) for s in move.sources)
            msg = (f"工单处于“{self.label(state)}”，不能“{move.label}”（只能从{allowed}进行） / "
                   f"cannot {action} a report that is {self.label(state, 'en')}")
            raise WorkflowError(msg)
        if role not in move.roles:
            who = "、".join(ROLE_NAMES.get(r, r) for r in move.roles)
            msg = f"“{move.label}”只能由{who}进行 / only {', '.join(move.roles)} may {action}"
            raise WorkflowError(msg)
        return move


def _fail(where: str, what: str) -> WorkflowConfigError:
    return WorkflowConfigError(f"workflow.toml 的 {where}：{what} / workflow.toml {where}: {what}")


def load_workflow(path: Path | None = None) -> Workflow:
    """Read and check the file (``$WORKFLOW_RULES`` names another one, e.g. in tests)."""
    source = path or Path(os.environ.get("WORKFLOW_RULES") or WORKFLOW_RULES)
    try:
        with source.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _fail(str(source), f"无法读取（{exc}）") from exc
    states: dict[str, State] = {}
    for key, entry in data.get("states", {}).items():
        if "label" not in entry:
            raise _fail(f"[states.{key}]", "缺少 label")
        step = entry.get("step")
        states[key] = State(key, str(entry["label"]), str(entry.get("en", key)), int(step) if step else None,
                            bool(entry.get("open", False)), str(entry.get("open311", "closed")))
    if "submitted" not in states:
        raise _fail("[states]", "必须有 submitted（信息采集）状态")
    transitions: dict[str, Transition] = {}
    for number, entry in enumerate(data.get("transitions", []), start=1):
        where = f"第 {number} 个 [[transitions]]"
        action = str(entry.get("action", ""))
        if not action or action in transitions:
            raise _fail(where, f"action 缺少或重复（{action!r}）")
        sources, target = tuple(entry.get("from", [])), str(entry.get("to", ""))
        unknown = [s for s in (*sources, target) if s not in states]
        if not sources or unknown:
            raise _fail(where, f"from/to 中有未定义的状态 {unknown}")
        roles, needs = tuple(entry.get("roles", [])), tuple(entry.get("needs", []))
        if not roles or any(r not in ROLES for r in roles):
            raise _fail(where, f"roles 只能是 {', '.join(ROLES)}")
        if any(n not in NEEDS for n in needs):
            raise _fail(where, f"needs 只能是 {', '.join(NEEDS)}")
        transitions[action] = Transition(action, str(entry.get("label", action)), sources, target, roles, needs)
    settings = data.get("settings", {})
    hours = {str(k): float(v) for k, v in data.get("hours", {}).items()}
    if any(v <= 0 for v in hours.values()):
        raise _fail("[hours]", "时限必须大于 0")
    return Workflow(states, transitions, hours, default_hours=float(settings.get("default_hours", 72)),
                    auto_dispatch=bool(settings.get("auto_dispatch", True)),
                    reopen_days=int(settings.get("reopen_days", 7)),
                    duplicate_days=int(settings.get("duplicate_days", 7)),
                    duplicate_metres=float(settings.get("duplicate_metres", 50)),
                    rate_limit_per_hour=int(settings.get("rate_limit_per_hour", 5)),
                    photo_max_mb=float(settings.get("photo_max_mb", 8)),
                    photo_max_side=int(settings.get("photo_max_side", 1600)))


@lru_cache(maxsize=4)
def _cached(path: str) -> Workflow:
    return load_workflow(Path(path))


def workflow() -> Workflow:
    """The workflow in force (read once per process and file)."""
    return _cached(os.environ.get("WORKFLOW_RULES") or str(WORKFLOW_RULES))
