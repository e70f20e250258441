"""What every section of a scenario shares: the strict base model, common field types, clock
times, and the error that carries one readable line per problem.

It sits below ``scenario.py``, ``scenario_behaviours.py`` and ``shifts.py`` so that each of them
can use these without importing another (the config modules form no circle).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

Probability = Annotated[float, Field(ge=0, le=1)]

# Sizes a contact center can have, declared once (durations are bounded in distributions.py):
# beyond them a scenario is a typo or an attack, and infinite or huge values crash the arithmetic
# or exhaust memory after validation passed.
#: Contacts arriving in one interval (and, for per_hour, in one hour).
MAX_CONTACTS_PER_INTERVAL = 10**7
#: Agents in one pool, or on one shift.
MAX_AGENTS = 10**6

Contacts = Annotated[float, Field(ge=0, le=MAX_CONTACTS_PER_INTERVAL)]
Agents = Annotated[int, Field(ge=0, le=MAX_AGENTS)]


class Strict(BaseModel):
    """Base for every scenario section: unknown keys are errors, because a typo must not pass;
    ``.inf`` and ``.nan`` are errors in every number, because nothing can be simulated with them."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``problems`` holds one human-readable line per problem."""

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = problems
        self.source = source
        super().__init__("\n".join(problems))


def parse_clock(value: str) -> int:
    """'08:30' -> minutes after midnight; '24:00' is allowed as an end."""
    try:
        hours, minutes = value.split(":")
        h, m = int(hours), int(minutes)
    except (ValueError, AttributeError):
        raise ValueError(f"'{value}' is not a time of day like 08:00") from None
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError(f"'{value}' is not a time of day like 08:00")
    return h * 60 + m


def _valid_clock(value: str) -> str:
    parse_clock(value)
    return value


def _quoted_clock(value: Any) -> Any:
    """YAML 1.1 reads an unquoted 8:00 as 480 (base 60): say how to write it, instead of 'a valid string'."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1440:
        hours, minutes = divmod(value, 60)
        raise ValueError(f'write times in quotes: "{hours:02d}:{minutes:02d}" (unquoted, YAML reads {hours}:{minutes:02d} as the number {value})')
    return value


#: A clock time of day, HH:MM ('24:00' allowed as an end), kept as written; ``parse_clock`` reads it.
ClockTime = Annotated[str, BeforeValidator(_quoted_clock), AfterValidator(_valid_clock)]


# --- readable validation errors ------------------------------------------------------------

def _number(x: float) -> str:
    """A limit as people write it: 2,592,000 rather than 2592000.0."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def _at_most(e: dict, op: str, limit: float) -> str:
    """'must be <= 1', and where a share is wanted and a percentage was written, what was meant."""
    value = e.get("input")
    meant = f" (a share: did you mean {value / 100:g}?)" if limit == 1 and isinstance(value, (int, float)) and 1 < value <= 100 else ""
    return f"must be {op} {_number(limit)}{meant}"


_MESSAGES = {
    "greater_than": lambda e: f"must be > {_number(e['ctx']['gt'])}",
    "greater_than_equal": lambda e: f"must be >= {_number(e['ctx']['ge'])}",
    "less_than": lambda e: _at_most(e, "<", e["ctx"]["lt"]),
    "less_than_equal": lambda e: _at_most(e, "<=", e["ctx"]["le"]),
    "finite_number": lambda e: "must be a finite number",
    "int_parsing_size": lambda e: "is far too large",
    "extra_forbidden": lambda e: "unknown key (a typo?)",
    "missing": lambda e: "required",
    "too_short": lambda e: "must not be empty" if e["ctx"].get("min_length") == 1 else e["msg"].lower(),
}


def _readable_loc(loc: tuple, raw: Any) -> list[str]:
    """Drop the parts of a pydantic location that are not keys the user wrote.

    pydantic inserts union-member and discriminator tags ('exponential', 'int', 'list[int]')
    into locations; following the raw input tells which parts are real keys.
    """
    parts, node = [], raw
    for part in loc:
        if isinstance(node, dict) and part in node:
            parts.append(str(part))
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            parts.append(f"[{part}]")
            node = node[part]
        elif isinstance(node, dict) or isinstance(node, list) or node is None:
            if isinstance(node, dict) and part not in ("function-after", "function-before") and not _is_tag(part, node):
                parts.append(str(part))
                node = None
        # scalars: remaining parts are type tags
    return parts


def _is_tag(part, node: dict) -> bool:
    return part == node.get("dist") or _is_type_tag(part)


def _is_type_tag(part) -> bool:
    """A union member's type in a location ('int', 'list[int]', 'constrained-int', 'StaffingFile'):
    keys people write are lower case, and the ones they wrote are found in the raw input first."""
    return isinstance(part, str) and ("[" in part or part.startswith("constrained-") or part[:1].isupper() or part in {"int", "float", "str", "dict", "list", "tuple"})


#: Errors saying only that a value is not of one member's type: noise when another member of the
#: union says what is wrong (``agents: 10**8`` is too many, not "not a list").
_WRONG_TYPE = {"int_type", "float_type", "string_type", "bool_type", "list_type", "tuple_type", "dict_type", "model_type", "model_attributes_type"}
#: A duration written with a unit: 5min, 30 s, 2h.
_WITH_UNIT = re.compile(r"\s*(\d+(?:[.,]\d+)?)\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)\s*", re.IGNORECASE)


def _in_seconds(e: dict) -> str | None:
    """For a number written with a unit where seconds are wanted, the number to write."""
    written = _WITH_UNIT.fullmatch(str(e.get("input")))
    field = str(e["loc"][-1]) if e["loc"] else ""
    if written is None or field.endswith(("minutes", "hours")):
        return None
    seconds = float(written[1].replace(",", ".")) * {"s": 1, "m": 60, "h": 3600}[written[2][0].lower()]
    what = "handle times are" if "handle_time" in e["loc"] else "times are"
    return f"{what} in seconds: write {seconds:g}"


def _is_noise(e: dict, errors: list[dict]) -> bool:
    """A wrong-type error of one union member where another member says what is wrong, at the same place or deeper."""
    if e["type"] not in _WRONG_TYPE:
        return False
    place = tuple(p for p in e["loc"] if not _is_type_tag(p))
    for other in errors:
        where = tuple(p for p in other["loc"] if not _is_type_tag(p))
        if other is not e and where[: len(place)] == place and (len(where) > len(place) or other["type"] not in _WRONG_TYPE):
            return True
    return False


def format_validation_error(err: ValidationError, raw: Any) -> list[str]:
    """One line per problem: ``a -> b -> c: message``; duplicate lines from union branches merged."""
    lines: list[str] = []
    errors = err.errors()
    for e in errors:
        if _is_noise(e, errors):
            continue
        if e["type"] == "union_tag_invalid":
            msg = f"unknown dist '{e['ctx']['tag']}' (known: {e['ctx']['expected_tags']})"
        elif e["type"] == "value_error" and isinstance(e.get("ctx", {}).get("error"), ScenarioError):
            lines.extend(e["ctx"]["error"].problems)
            continue
        elif e["type"] in ("float_parsing", "int_parsing") and (seconds := _in_seconds(e)):
            msg = seconds
        else:
            fmt = _MESSAGES.get(e["type"])
            msg = fmt(e) if fmt else e["msg"].removeprefix("Value error, ")
        where = " -> ".join(_readable_loc(e["loc"], raw))
        line = f"{where}: {msg}" if where else msg
        if line not in lines:
            lines.append(line)
    return lines
