"""What a staffing plan must achieve: each contact type's targets and each pool's occupancy limit.

A scenario spreads its targets over two places (each contact type's ``service_level`` and the
optional ``targets:`` section, whose per-type and per-pool entries override its defaults); the
planning tools read them once, through ``goals_of``, as one flat ``Goals``. ``apply_targets``
overrides them from the command line (``--target``) and returns a validated scenario, so a bad
override is reported like a bad scenario file.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from .config import ScenarioError
from .plans import copy_scenario
from .scenario import Scenario, ServiceLevel, Targets, TypeTargets


@dataclass(frozen=True)
class TypeGoal:
    """What one contact type must achieve in every interval."""

    name: str
    sl_target: float
    sl_seconds: float
    max_asa_s: float | None
    max_abandon: float | None

    def describe(self) -> str:
        parts = [f"{self.sl_target:.0%} within {self.sl_seconds:g} s"]
        if self.max_asa_s is not None:
            parts.append(f"ASA <= {self.max_asa_s:g} s")
        if self.max_abandon is not None:
            parts.append(f"abandon <= {self.max_abandon:.0%}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Goals:
    """Every contact type's goal and every pool's occupancy limit (None: no limit)."""

    types: dict[str, TypeGoal]
    max_occupancy: dict[str, float | None]

    def describe(self) -> list[str]:
        lines = [f"{name}: {goal.describe()}" for name, goal in self.types.items()]
        lines += [f"{p}: occupancy <= {v:.0%}" for p, v in self.max_occupancy.items() if v is not None]
        return lines

    def to_dict(self) -> dict:
        return {
            "contact_types": {
                n: {"service_level": g.sl_target, "service_level_seconds": g.sl_seconds, "max_asa_seconds": g.max_asa_s, "max_abandon_rate": g.max_abandon}
                for n, g in self.types.items()
            },
            "agent_pools": {p: {"max_occupancy": v} for p, v in self.max_occupancy.items()},
        }


def goals_of(scenario: Scenario) -> Goals:
    """The scenario's targets: each type's ``service_level`` plus the ``targets:`` section."""
    targets = scenario.targets or Targets()
    types = {}
    for name, ct in scenario.contact_types.items():
        own = targets.contact_types.get(name, TypeTargets())
        types[name] = TypeGoal(
            name,
            ct.service_level.target,
            ct.service_level.seconds,
            own.max_asa_seconds if own.max_asa_seconds is not None else targets.max_asa_seconds,
            own.max_abandon_rate if own.max_abandon_rate is not None else targets.max_abandon_rate,
        )
    occupancy = {p: targets.agent_pools.get(p, targets.max_occupancy) for p in scenario.agent_pools}
    return Goals(types, occupancy)


_TARGET_KEYS = {
    "sl": "service_level",
    "service_level": "service_level",
    "sl_seconds": "service_level_seconds",
    "service_level_seconds": "service_level_seconds",
    "asa": "max_asa_seconds",
    "asa_seconds": "max_asa_seconds",
    "max_asa_seconds": "max_asa_seconds",
    "abandon": "max_abandon_rate",
    "abandon_rate": "max_abandon_rate",
    "max_abandon_rate": "max_abandon_rate",
    "occupancy": "max_occupancy",
    "max_occupancy": "max_occupancy",
}


def _share(text: str) -> float:
    """'0.8' or '80%' -> 0.8."""
    text = text.strip()
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def apply_targets(scenario: Scenario, specs: list[str]) -> Scenario:
    """Override targets from ``--target`` strings: ``KEY=VALUE`` or ``NAME.KEY=VALUE``.

    Keys: ``sl`` (share, '0.8', '80%' or '80/20' for target and seconds), ``sl_seconds``, ``asa``
    (seconds), ``abandon`` (share), ``occupancy`` (share). NAME is a contact type (sl, asa,
    abandon) or an agent pool (occupancy); without it the value applies to all. Raises
    ScenarioError naming the bad spec.
    """
    if not specs:
        return scenario
    levels = {n: ct.service_level.model_dump() for n, ct in scenario.contact_types.items()}
    targets = (scenario.targets or Targets()).model_dump()
    problems = []
    for spec in specs:
        where = f"--target {spec}"
        if "=" not in spec:
            problems.append(f"{where}: write KEY=VALUE, e.g. sl=0.8, asa=30, abandon=0.05, occupancy=0.9, or chat.sl=80/20")
            continue
        lhs, value = (s.strip() for s in spec.split("=", 1))
        name, _, key = lhs.rpartition(".")
        if key not in _TARGET_KEYS:
            problems.append(f"{where}: unknown key '{key}' (known: sl, sl_seconds, asa, abandon, occupancy)")
            continue
        key = _TARGET_KEYS[key]
        owners = scenario.agent_pools if key == "max_occupancy" else scenario.contact_types
        if name and name not in owners:
            owner = "agent pool" if key == "max_occupancy" else "contact type"
            problems.append(f"{where}: '{name}' is not a {owner} (known: {', '.join(owners)})")
            continue
        try:
            if key == "service_level":
                if "/" in value:
                    share, secs = value.split("/", 1)
                    v, seconds = _share(share), float(secs)
                    v = v / 100 if v > 1 else v  # '80/20' speaks in percent
                else:
                    v, seconds = _share(value), None
                for n in [name] if name else list(levels):
                    levels[n]["target"] = v
                    if seconds is not None:
                        levels[n]["seconds"] = seconds
            elif key == "service_level_seconds":
                for n in [name] if name else list(levels):
                    levels[n]["seconds"] = float(value)
            elif key == "max_occupancy":
                v = _share(value)
                if name:
                    targets["agent_pools"][name] = v
                else:
                    targets["max_occupancy"] = v
            else:
                v = float(value) if key == "max_asa_seconds" else _share(value)
                if name:
                    targets["contact_types"].setdefault(name, {})[key] = v
                else:
                    targets[key] = v
        except ValueError:
            problems.append(f"{where}: '{value}' is not a number")
    if problems:
        raise ScenarioError(problems)
    try:
        new_types = {n: ct.model_copy(update={"service_level": ServiceLevel.model_validate(levels[n])}) for n, ct in scenario.contact_types.items()}
        new_targets = Targets.model_validate(targets)
    except ValidationError as err:
        raise ScenarioError([f"--target: {problem['loc'][-1] if problem['loc'] else ''}: {problem['msg']}" for problem in err.errors()]) from None
    return copy_scenario(scenario, contact_types=new_types, targets=new_targets)
