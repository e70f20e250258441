"""The calibrated scenario as a commented YAML file.

Why not ``yaml.safe_dump`` of the scenario: a planner reviews this file before trusting it, so each
estimate is preceded by a comment saying what it came from and why it was chosen, long lists name
the intervals on each line, and what the log cannot tell (staffing, the service-level target) is
marked REVIEW.

Names come from the log, so they may hold anything: values are written by PyYAML on one line
(``_flow``), and every line of the file is made one line of printable YAML at the end
(``_one_line``), so a name with a newline, a carriage return or a NUL in a comment cannot start
a line of its own or make the file unreadable.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from .._version import __version__
from .logs import clock_label

if TYPE_CHECKING:
    from .calibration import Calibration


class _OneLineDumper(yaml.SafeDumper):
    """Strings with a line feed in double quotes (``"a\\nb"``): PyYAML would fold them over several
    lines (it already double-quotes the other line breaks and control characters)."""


_OneLineDumper.add_representer(
    str, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"' if "\n" in text else None)
)


def _flow(value) -> str:
    """``value`` as one line of YAML flow style (``{dist: exponential, mean: 61.5}``)."""
    return yaml.dump(value, Dumper=_OneLineDumper, default_flow_style=True, width=10**9, sort_keys=False).strip().removesuffix("...").strip()


#: What may not stand in a line of YAML as it is: YAML's line breaks (\n, \r, NEL, the Unicode line
#: and paragraph separators) and what PyYAML refuses to read (other control characters, surrogates,
#: U+FFFE and U+FFFF).
_NOT_IN_A_LINE = re.compile("[^\t\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _one_line(line: str) -> str:
    """``line`` with every character that could not stand in one YAML line written as its Python
    escape (a name's newline in a comment shows as ``\\n``)."""
    return _NOT_IN_A_LINE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), line)


def _wrapped_list(key: str, values: list, labels: list[str], indent: int, per_line: int = 8) -> list[str]:
    """``key: [a, b, ...]`` over several lines, each ending with a comment naming its intervals."""
    pad = " " * indent
    if not values:
        return [f"{pad}{key}: []"]
    lines = []
    lead = f"{pad}{key}: ["
    continuation = " " * len(lead)
    chunks = [values[i : i + per_line] for i in range(0, len(values), per_line)]
    for chunk_index, chunk in enumerate(chunks):
        first = chunk_index * per_line
        body = ", ".join(_flow(v) for v in chunk)
        last = chunk_index == len(chunks) - 1
        text = (lead if chunk_index == 0 else continuation) + body + ("]" if last else ",")
        span = labels[first] if len(chunk) == 1 else f"{labels[first]}-{labels[first + len(chunk) - 1]}"
        lines.append(f"{text}   # {span}")
    return lines


def render_yaml(cal: Calibration) -> str:
    """The scenario with comments saying what was estimated from what, and what needs review."""
    scenario = cal.scenario_dict()
    labels = cal.labels
    lines = [
        f"# Calibrated by ccsim {__version__} from {Path(cal.source).name}: {cal.rows:,} contacts, {len(cal.days)} day(s)",
        f"# ({cal.days[0].isoformat()} to {cal.days[-1].isoformat()}), {cal.interval_minutes}-minute intervals {labels[0]}-{clock_label(cal.end_minute)}.",
        f"# {cal.time_note}.",
        "# Every number below was estimated from the log except the lines marked REVIEW.",
        "#   ccsim run THIS_FILE            # simulate the calibrated day",
        "#   ccsim calibrate LOG --report DIR   # the fits, plotted against the data",
    ]
    for note in cal.notes:
        lines.append(f"# note: {note}")
    lines += [f"name: {_flow(scenario['name'])}", f"description: {_flow(scenario['description'])}", "seed: 1", "replications: 10"]
    lines.append("# horizon: from the first to the last interval in which contacts arrived")
    lines.append(f"horizon: {_flow(scenario['horizon'])}")
    lines.append(f"# busyness: {cal.busyness.reason}")
    if "busyness" in scenario:
        lines.append(f"busyness: {_flow(scenario['busyness'])}")
    lines.append("contact_types:")
    for name, type_cal in cal.types.items():
        section = scenario["contact_types"][name]
        lines.append(f"  {_flow(name)}:")
        lines.append(f"    # {type_cal.contacts:,} contacts: {type_cal.answered:,} answered, {type_cal.abandoned:,} abandoned ({type_cal.abandoned / type_cal.contacts:.1%})")
        lines.append("    arrivals:")
        lines.append(f"      # mean contacts per {cal.interval_minutes}-minute interval over {len(cal.days)} day(s) ({type_cal.per_day.sum(1).mean():,.1f} a day)")
        lines += _wrapped_list("volumes", section["arrivals"]["volumes"], labels, 6)
        handle = type_cal.handle
        if handle.n:
            lines.append(f"    # handle time: {handle.n:,} answered, AHT {handle.aht:.1f} s, cv {handle.cv or 0:.2f}; {handle.chosen}: {handle.reason}")
        else:
            lines.append(f"    # handle time: REVIEW: {handle.reason}")
        if handle.zero:
            lines.append(f"    # ({handle.zero:,} zero handle time(s) in the AHT but not in the fit)")
        lines.append(f"    handle_time: {_flow(section['handle_time'])}")
        patience = type_cal.patience
        if patience.written is None:
            lines.append(f"    # patience: REVIEW: {patience.reason}")
        else:
            lines.append(
                f"    # patience: {patience.abandoned:,} abandons, {patience.n - patience.abandoned:,} answered contacts censored at their wait; naive mean"
                f" (abandoners only) {patience.naive_mean:.1f} s, shortcut E[wait]/P(abandon) {patience.shortcut_mean:.1f} s"
            )
            lines.append(f"    # chosen {patience.chosen}: {patience.reason}")
            if patience.chosen == "curve":
                lines.append("    patience:")
                lines.append("      dist: survival_curve")
                lines.append("      points:   # [seconds, share still waiting]")
                for point in patience.written["points"]:
                    lines.append(f"        - {_flow(point)}")
            else:
                lines.append(f"    patience: {_flow(section['patience'])}")
        lines.append(f"    service_level: {_flow(section['service_level'])}   # REVIEW: your target (a log has none; --sl-seconds, --sl-target)")
    lines.append("agent_pools:")
    if cal.staffing.source == "placeholder":
        lines.append("  # REVIEW: PLACEHOLDER STAFFING. A contact log does not say how many agents were logged in.")
        lines.append("  # How they were computed:")
        for part in cal.staffing.method.split("; ")[1:]:
            lines.append(f"  #   {part}")
        lines.append("  # Replace them with your real staffing, or rerun with --staffing STAFF.csv (interval_start,<pool>,...).")
    else:
        lines.append(f"  # staffing {cal.staffing.method}")
    for pool_name, pool in scenario["agent_pools"].items():
        lines.append(f"  {_flow(pool_name)}:")
        lines.append(f"    skills: {_flow(pool['skills'])}")
        lines += _wrapped_list("agents", pool["agents"], labels, 4, per_line=12)
    return "\n".join(_one_line(line) for line in lines) + "\n"
