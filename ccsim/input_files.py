"""Reading the files a user hands ccsim: text in UTF-8 or UTF-16, and YAML that cannot hurt.

Every YAML file ccsim reads (scenarios with their variants, shift rules) goes through
``load_yaml``. It runs libyaml's C parser where PyYAML has it (the pure-Python parser is ten times
slower on a long list of volumes) under PyYAML's safe constructor, so no tag runs code, and it
refuses what ``yaml.safe_load`` lets through:

* a key written twice in one mapping (``agents: 12`` then ``agents: 0``): the last would win
  silently, so the day would be simulated with no agents;
* nesting deeper than ``MAX_DEPTH``: every consumer of the document recurses, and a few hundred
  levels end in ``RecursionError``;
* a document whose aliases would expand past ``MAX_ALIAS_VALUES`` values, or that holds more than
  ``MAX_VALUES`` in all: a 1 KB "alias bomb" means billions of values to anything that walks it
  (validation, the deep merge of variants). Sizes are counted as the document is composed, an
  alias adding the size of the node it names, so a bomb is refused before anything is expanded.

Problems are raised as a ``ScenarioError`` of one located line, e.g.
``plan.yaml: line 12, column 5: duplicate key 'agents' (first at line 10): ...``.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent, CollectionStartEvent

from .config import ScenarioError

#: Collections (mappings and lists) nested in one another, aliases expanded; a scenario needs ~10.
MAX_DEPTH = 64
#: Values (scalars and collections) in one document, aliases expanded: a year of one-minute
#: volumes is ~530,000; longer series belong in a forecast CSV.
MAX_VALUES = 1_000_000
#: Values that aliases may repeat in one document: an anchor or two for a shared handle time is a
#: few dozen.
MAX_ALIAS_VALUES = 100_000
#: Largest YAML file read (bytes); the value bounds above are reached long before.
MAX_YAML_BYTES = 16 * 2**20


def _refuse(path: Path, line: str) -> ScenarioError:
    return ScenarioError([line], str(path))


def read_text(path: Path, max_bytes: int, kind: str) -> str:
    """The text of ``path``: UTF-8 (with or without a BOM) or UTF-16 (with its BOM).

    At most ``max_bytes`` are read, so a huge file or ``/dev/zero`` is refused at once; ``kind``
    ("scenario", "forecast") names what the file was meant to be in that message.
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise _refuse(path, f"{path}: no such file") from None
    except OSError as exc:
        raise _refuse(path, f"{path}: cannot read ({exc.strerror})") from None
    if len(data) > max_bytes:
        raise _refuse(path, f"{path}: larger than {max_bytes // 2**20} MB, more than any {kind} file needs")
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(path, f"{path} is not UTF-8 or UTF-16 text: save it as UTF-8") from None


class _Refused(Exception):
    """Raised while loading; ``load_yaml`` adds the file name."""

    def __init__(self, problem: str, mark):
        super().__init__(f"line {mark.line + 1}, column {mark.column + 1}: {problem}")


class _BoundedComposer(Composer):
    """PyYAML's composer, counting depth and values (aliases expanded) as it goes."""

    def __init__(self):
        Composer.__init__(self)
        self._depth = 0  # collections open around the node being composed
        self._deepest = 0  # deepest nesting reached inside the node being composed
        self._values = 0
        self._aliased = 0
        self._anchored: dict[str, tuple[int, int]] = {}  # anchor -> (values, height) of its finished node

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            node = super().compose_node(parent, index)  # refuses an undefined alias
            if event.anchor not in self._anchored:
                raise _Refused(f"alias *{event.anchor} is used inside the node it names (a structure that contains itself)", event.start_mark)
            values, height = self._anchored[event.anchor]
            self._aliased += values
            if self._aliased > MAX_ALIAS_VALUES:
                raise _Refused(f"aliases repeat more than {MAX_ALIAS_VALUES:,} values (an alias bomb?): write the repeated parts out", event.start_mark)
            self._count(values, self._depth + height, event.start_mark)
            return node
        outer_depth, outer_deepest, values_before = self._depth, self._deepest, self._values
        self._depth += isinstance(event, CollectionStartEvent)
        self._deepest = self._depth
        self._count(1, self._depth, event.start_mark)
        node = super().compose_node(parent, index)
        if event.anchor is not None:
            self._anchored[event.anchor] = (self._values - values_before, self._deepest - outer_depth)
        self._depth = outer_depth
        self._deepest = max(outer_deepest, self._deepest)
        return node

    def _count(self, values: int, depth: int, mark) -> None:
        self._values += values
        self._deepest = max(self._deepest, depth)
        if depth > MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep", mark)
        if self._values > MAX_VALUES:
            raise _Refused(f"more than {MAX_VALUES:,} values: too large (long series belong in a forecast CSV)", mark)


class _UniqueKeys(yaml.constructor.SafeConstructor):
    """The safe constructor, refusing a key that appears twice in one mapping.

    Checked where PyYAML flattens merge keys (``<<: *base``), before it does: keys merged in from
    elsewhere may be overridden, keys written twice may not. Keys compare as Python compares
    them, so ``1`` and ``1.0`` are the same key, as they would be in the dict.
    """

    def __init__(self):
        self._checked: set = set()  # mapping nodes whose keys were checked

    def flatten_mapping(self, node):
        if node not in self._checked:  # flattening rewrites node.value: check the keys as written
            self._checked.add(node)
            first_seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node)
                try:
                    first = first_seen.setdefault(key, key_node)
                except TypeError:  # an unhashable key: the constructor reports it
                    continue
                if first is not key_node:
                    raise _Refused(f"duplicate key {key!r} (first at line {first.start_mark.line + 1}): a key may appear once in a mapping", key_node.start_mark)
        super().flatten_mapping(node)


_Parser = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader


class _Loader(_BoundedComposer, _UniqueKeys, _Parser):
    """The C parser (or PyYAML's own), our composer and constructor, the standard resolver."""

    def __init__(self, text: str):
        _Parser.__init__(self, text)
        _BoundedComposer.__init__(self)
        _UniqueKeys.__init__(self)


def load_yaml(path: Path, kind: str = "scenario") -> Any:
    """The single YAML document in ``path``, as plain Python data, read under the bounds above."""
    text = read_text(path, MAX_YAML_BYTES, kind)
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except _Refused as exc:
        raise _refuse(path, f"{path}: {exc}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow; it has no mark
        line = text.count("\n", 0, exc.position) + 1
        raise _refuse(path, f"{path}: YAML syntax error at line {line}: character #x{exc.character:04x} is not allowed ({exc.reason})") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise _refuse(path, f"{path}: YAML syntax error at line {mark.line + 1}, column {mark.column + 1}: {exc.problem}") from None
    finally:
        loader.dispose()
