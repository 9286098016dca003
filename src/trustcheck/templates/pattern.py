"""Template text with ``{{slot}}`` placeholders: parsing, normalising, matching.

Matching follows the deterministic model every template registry uses (Kakao
``NoMatchedTemplate``, Twilio 63027, India DLT): fixed text plus typed slots,
compared after normalisation — NFKC, zero-width characters removed, runs of
spaces collapsed, blank lines dropped (research/sms-templates.md §4).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from trustcheck.errors import RegistryError

__all__ = [
    "Compiled",
    "Part",
    "compile_text",
    "fixed_text",
    "normalise",
    "parse_parts",
    "slot_names",
]

# {{name}}, {{#group}}, {{/group}}; a literal "{{" is written "\{{".
_TOKEN = re.compile(r"\\\{\{|\{\{\s*([#/]?)\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Runs of two or more spaces, or any other horizontal space: single spaces, by far the
# most common, are left alone instead of being replaced one by one.
_SPACES = re.compile(r"[ \t\f\v\u00a0\u3000]{2,}|[\t\f\v\u00a0\u3000]")
_MAX_SLOT_LEN = 400
"""Cap for a slot without ``max_len``: keeps backtracking bounded on hostile text."""


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of template text: fixed ``text``, a ``slot``, or a repeated ``group``."""

    text: str = ""
    slot: str | None = None
    group: str | None = None
    children: tuple[Part, ...] = ()


def normalise(text: str) -> str:
    """NFKC, zero-width characters removed, spaces collapsed, lines trimmed, blank lines dropped.

    >>> normalise("a\\u200b b  c\\n\\n  d ")
    'a b c\\nd'
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    text = _SPACES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line for line in map(str.strip, text.split("\n")) if line)


def parse_parts(text: str) -> tuple[Part, ...]:
    """Split template text into fixed parts, slots and ``{{#group}}…{{/group}}`` groups."""
    stack: list[tuple[str | None, list[Part]]] = [(None, [])]
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() > pos:
            stack[-1][1].append(Part(text=text[pos:m.start()]))
        pos = m.end()
        if m.group(0) == "\\{{":
            stack[-1][1].append(Part(text="{{"))
            continue
        sigil, name = m.group(1), m.group(2)
        if sigil == "#":
            stack.append((name, []))
        elif sigil == "/":
            group, children = stack.pop() if len(stack) > 1 else (None, [])
            if group != name:
                msg = f"Template text closes {{{{/{name}}}}} but {group or 'no group'} is open."
                raise RegistryError(msg)
            stack[-1][1].append(Part(group=name, children=tuple(children)))
        else:
            stack[-1][1].append(Part(slot=name))
    if pos < len(text):
        stack[-1][1].append(Part(text=text[pos:]))
    if len(stack) > 1:
        msg = f"Template text opens {{{{#{stack[-1][0]}}}}} and never closes it."
        raise RegistryError(msg)
    return tuple(stack[0][1])


def slot_names(parts: tuple[Part, ...]) -> Iterator[str]:
    """Every slot and group name, in order of appearance."""
    for p in parts:
        if p.slot:
            yield p.slot
        elif p.group:
            yield p.group
            yield from slot_names(p.children)


def fixed_text(parts: tuple[Part, ...]) -> str:
    """The template with every slot removed (a newline stands for a removed slot)."""
    out: list[str] = []
    for p in parts:
        if p.slot or p.group:
            out.append("\n")
            if p.group:
                out.append(fixed_text(p.children))
                out.append("\n")
        else:
            out.append(p.text)
    return "".join(out)


def _literal(text: str) -> str:
    # Whitespace inside fixed text matches any whitespace run (lines may re-wrap in
    # HTML rendering); everything else literally.
    pieces = re.split(r"\s+", text)
    return r"\s+".join(re.escape(p) for p in pieces)


def _slot_regex(name: str, lengths: Mapping[str, int], *, named: bool, last: bool) -> str:
    n = min(lengths.get(name, _MAX_SLOT_LEN), _MAX_SLOT_LEN)
    # Lazy so the fixed text after the slot decides where it ends; a slot ending
    # the template takes the rest of its line.
    body = f"[^\\n]{{1,{n}}}" if last else f"[^\\n]{{1,{n}}}?"
    return f"(?P<{name}>{body})" if named else f"(?:{body})"


def _space(ws: str) -> str:
    # A line break in the template is a line break in the message (blocks in HTML,
    # lines in SMS): requiring it stops a lazy slot from ending mid-line.
    if not ws:
        return ""
    return r"\s*\n\s*" if "\n" in ws else r"\s+"


def _has_newline(parts: tuple[Part, ...]) -> bool:
    return any("\n" in p.text or _has_newline(p.children) for p in parts)


def _regex(parts: tuple[Part, ...], lengths: Mapping[str, int], *, named: bool) -> str:
    out: list[str] = []
    for i, p in enumerate(parts):
        last = i == len(parts) - 1
        if p.slot:
            out.append(_slot_regex(p.slot, lengths, named=named, last=last))
        elif p.group:
            # A group inside one line: its items are not split out (multi-line
            # groups are blocks, see compile_text).
            inner = _regex(p.children, lengths, named=False)
            body = f"{inner}(?:\\s*{inner})*"
            out.append(f"(?P<{p.group}>{body})" if named else f"(?:{body})")
        else:
            core = p.text.strip()
            if not core:
                out.append(_space(p.text))
                continue
            lead = p.text[:len(p.text) - len(p.text.lstrip())]
            tail = p.text[len(p.text.rstrip()):]
            out.append(_space(lead) + _literal(normalise(core)) + _space(tail))
    return "".join(out)


_MAX_LINE = 1_000
"""Characters per message line compared with a template line (bounded regex work)."""
_MAX_LINES = 5_000
_MAX_ITEMS = 200
"""Repetitions of one group read at one place: keeps a block that fits every line linear."""


@dataclass(frozen=True, slots=True)
class _Block:
    """Template lines repeated one or more times (a ``{{#group}}`` spanning lines)."""

    name: str
    lines: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class Compiled:
    """A template text compiled line by line.

    Slots never span a line break, so the message is matched line against line:
    each template line is a small anchored regex and a multi-line group is a block
    of lines that repeats. Work stays proportional to the number of lines, with no
    backtracking across the whole text.
    """

    parts: tuple[Part, ...]
    units: tuple[re.Pattern[str] | _Block, ...]
    sources: tuple[str, ...] = ()
    """The template text of each unit, for reports."""

    @property
    def regex(self) -> str:
        """The line regexes, for debugging."""
        return "\n".join(u.pattern if isinstance(u, re.Pattern) else
                         f"({u.name}: " + " / ".join(x.pattern for x in u.lines) + ")+"
                         for u in self.units)

    def match(self, text: str, *, search: bool = False) -> dict[str, Any] | None:
        """Slot values when ``text`` (already normalised) fits the template, else None.

        ``search`` lets the template start and end anywhere in the text (an HTML
        body with extra lines around it). A repeated group's value is a list of
        dicts, one per item.
        """
        lines = text.split("\n")[:_MAX_LINES]
        if not self.units:
            return None
        starts = range(len(lines)) if search else range(1)
        first = self.units[0]
        # One memo for every start: what follows (unit u at line i) does not depend on
        # where the match began, so the work stays units × lines however many lines
        # the first template line fits.
        memo: dict[tuple[int, int], dict[str, Any] | None] = {}
        runs: dict[tuple[int, int], list[dict[str, Any]]] = {}
        for s in starts:
            if isinstance(first, re.Pattern) and (
                    len(lines[s]) > _MAX_LINE or first.fullmatch(lines[s]) is None):
                continue
            found = self._from(0, s, lines, memo, runs, anchored_end=not search)
            if found is not None:
                return found
        return None

    def first_mismatch(self, text: str) -> tuple[int, str, str] | None:
        """Where ``text`` first departs from the template, read top to bottom.

        Returns ``(line number from 1, expected template line, actual line)``, or
        None when the text fits. A repeated block ends as soon as the next template
        line fits, so the report points at the line a person would.
        """
        if self.match(text) is not None:
            return None
        lines = text.split("\n")[:_MAX_LINES]
        i = 0
        for u, unit in enumerate(self.units):
            nxt = self.units[u + 1] if u + 1 < len(self.units) else None
            if isinstance(unit, re.Pattern):
                if i >= len(lines) or not _fits(unit, lines[i]):
                    return i + 1, self.sources[u], lines[i] if i < len(lines) else "(end)"
                i += 1
                continue
            count = 0
            while i < len(lines):
                if count and isinstance(nxt, re.Pattern) and _fits(nxt, lines[i]):
                    break
                item = _block_item(unit, lines, i)
                if item is None:
                    break
                count += 1
                i += len(unit.lines)
            if not count:
                return i + 1, self.sources[u], lines[i] if i < len(lines) else "(end)"
        if i < len(lines):
            return i + 1, "(end of template)", lines[i]
        return len(lines), "(template)", "(text)"

    @staticmethod
    def _items(u: int, unit: _Block, i: int, lines: list[str],
               runs: dict[tuple[int, int], list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """The items of block ``unit`` read from line ``i`` on (at most ``_MAX_ITEMS``).

        A run is read once and remembered for every line it passes through, so the
        lines are read once per block whatever the number of starts.
        """
        cached = runs.get((u, i))
        if cached is not None:
            return cached
        found: list[dict[str, Any]] = []
        j = i
        while len(found) < _MAX_ITEMS:
            if (u, j) in runs:
                found.extend(runs[(u, j)])
                break
            item = _block_item(unit, lines, j)
            if item is None:
                break
            found.append(item)
            j += len(unit.lines)
        found = found[:_MAX_ITEMS]
        step = len(unit.lines)
        for n in range(len(found)):
            runs.setdefault((u, i + n * step), found[n:])
        return found

    def _from(self, u: int, i: int, lines: list[str],
              memo: dict[tuple[int, int], dict[str, Any] | None],
              runs: dict[tuple[int, int], list[dict[str, Any]]],
              *, anchored_end: bool) -> dict[str, Any] | None:
        if u == len(self.units):
            return {} if (not anchored_end or i == len(lines)) else None
        key = (u, i)
        if key in memo:
            return memo[key]
        memo[key] = None
        unit = self.units[u]
        result: dict[str, Any] | None = None
        if isinstance(unit, re.Pattern):
            m = unit.fullmatch(lines[i]) if i < len(lines) and len(lines[i]) <= _MAX_LINE else None
            if m is not None:
                rest = self._from(u + 1, i + 1, lines, memo, runs, anchored_end=anchored_end)
                if rest is not None:
                    result = {**_values(m), **rest}
        else:
            items = self._items(u, unit, i, lines, runs)
            # Longest repetition first, then fewer: the lines after the block may
            # look like one more item (a "Subtotal" row after the line items).
            for n in range(len(items), 0, -1):
                rest = self._from(u + 1, i + n * len(unit.lines), lines, memo, runs,
                                  anchored_end=anchored_end)
                if rest is not None:
                    result = {unit.name: items[:n], **rest}
                    break
        memo[key] = result
        return result


def _fits(rx: re.Pattern[str], line: str) -> bool:
    return len(line) <= _MAX_LINE and rx.fullmatch(line) is not None


def _values(m: re.Match[str]) -> dict[str, Any]:
    return {k: v.strip() for k, v in m.groupdict().items() if v is not None}


def _block_item(block: _Block, lines: list[str], i: int) -> dict[str, Any] | None:
    if i + len(block.lines) > len(lines):
        return None
    out: dict[str, Any] = {}
    for k, rx in enumerate(block.lines):
        line = lines[i + k]
        m = rx.fullmatch(line) if len(line) <= _MAX_LINE else None
        if m is None:
            return None
        out.update(_values(m))
    return out


def _split_lines(parts: tuple[Part, ...]) -> list[list[Part] | Part]:
    """Parts cut into lines; a group whose children hold a line break stays one entry."""
    lines: list[list[Part] | Part] = [[]]
    for p in parts:
        if p.group and _has_newline(p.children):
            current = lines[-1]
            if isinstance(current, list) and any(x.slot or x.group or x.text.strip()
                                                 for x in current):
                msg = (f"Group {{{{#{p.group}}}}} spans lines but does not start a line; "
                       "put the group markers at line starts and ends.")
                raise RegistryError(msg)
            lines[-1] = p
            lines.append([])
            continue
        if p.text and "\n" in p.text:
            pieces = p.text.split("\n")
            for k, piece in enumerate(pieces):
                if k:
                    lines.append([])
                if piece:
                    current = lines[-1]
                    if not isinstance(current, list):
                        lines.append([])
                    cast_list(lines[-1]).append(Part(text=piece))
            continue
        if not isinstance(lines[-1], list):
            lines.append([])
        cast_list(lines[-1]).append(p)
    return [ln for ln in lines if not isinstance(ln, list)
            or any(x.slot or x.group or x.text.strip() for x in ln)]


def cast_list(entry: list[Part] | Part) -> list[Part]:
    """The entry as a list of parts (lines are lists, blocks are single parts)."""
    assert isinstance(entry, list)
    return entry


def _line_regex(parts: list[Part], lengths: Mapping[str, int]) -> re.Pattern[str]:
    trimmed = list(parts)
    return re.compile(r"\s*" + _regex(tuple(trimmed), lengths, named=True) + r"\s*")


def compile_text(text: str, lengths: Mapping[str, int] | None = None) -> Compiled:
    """Compile template text; ``lengths`` caps each slot's length (its ``max_len``)."""
    lengths = lengths or {}
    parts = parse_parts(text)
    seen: set[str] = set()
    for name in slot_names(parts):
        if name in seen:
            msg = f"Slot {{{{{name}}}}} appears twice in one text; use one name per place."
            raise RegistryError(msg)
        seen.add(name)
    units: list[re.Pattern[str] | _Block] = []
    sources: list[str] = []
    for line in _split_lines(parts):
        if isinstance(line, Part):
            assert line.group is not None
            inner = [ln for ln in _split_lines(line.children) if isinstance(ln, list)]
            units.append(_Block(line.group, tuple(_line_regex(ln, lengths) for ln in inner)))
            sources.append("{{#" + line.group + "}} " + " / ".join(_source(ln) for ln in inner)
                           + " {{/" + line.group + "}}")
        else:
            units.append(_line_regex(line, lengths))
            sources.append(_source(line))
    return Compiled(parts=parts, units=tuple(units), sources=tuple(sources))


def _source(parts: list[Part]) -> str:
    out = []
    for p in parts:
        if p.slot:
            out.append("{{" + p.slot + "}}")
        elif p.group:
            out.append("{{#" + p.group + "}}" + _source(list(p.children)) + "{{/" + p.group
                       + "}}")
        else:
            out.append(p.text)
    return normalise("".join(out))
