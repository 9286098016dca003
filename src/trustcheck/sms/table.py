"""Read SMS messages from a CSV/TSV table for ``trustcheck scan --sms``.

Tables of SMS come from spreadsheets, carrier exports and research datasets, so
the reader is forgiving about the file and strict about nothing but the column
names:

* **Encodings**: UTF-8 (with or without BOM), UTF-16 with a BOM, CP949/EUC-KR
  (Korean Windows exports) when the whole file decodes so, and otherwise UTF-8
  line by line with Windows-1252 for the lines that are not (screenshots
  transcribed by different tools end up mixed in one file).
* **Quoting**: RFC 4180 quoted cells, including line breaks inside a cell; TSV
  has no quoting (IANA text/tab-separated-values) unless its first line is quoted.
* **Delimiter**: as given, else tab for ``.tsv``/``.tab``, else sniffed among
  comma, tab, semicolon and pipe from the header line.
* **Headerless tables**: a purely numeric ``text_column`` / ``sender_column``
  ("2") names a column by 1-based position, and the first line is then data.

A row that cannot be read becomes ``(name, InputError)`` so a scan reports it and
goes on; only an unreadable file or a missing column raises.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from trustcheck.errors import InputError
from trustcheck.message import Sms

__all__ = ["MAX_TABLE_BYTES", "decode_table", "read_sms_table"]

#: Tables larger than this are refused (an SMS table of 500 MB is not an SMS table).
MAX_TABLE_BYTES = 512 * 1024 * 1024
#: Cells longer than this are cut: an LMS is at most 2,000 bytes, MMS text a few KB.
MAX_CELL_CHARS = 20_000
_DELIMITERS = ",\t;|"


def read_sms_table(
    path: str | Path,
    *,
    text_column: str,
    sender_column: str | None = None,
    country: str | None = None,
    delimiter: str | None = None,
) -> Iterator[tuple[str, Sms | Exception]]:
    """Yield ``(row name, Sms or the error reading that row)`` for every row of the table.

    The row name is ``"{path}:{line}"`` with the line the record starts on.
    Raises :class:`~trustcheck.errors.InputError` when the file cannot be read
    or a named column is missing.
    """
    path = Path(path)
    text = _read_text(path)
    sep = delimiter or _delimiter(path, text)
    positional = text_column.isdigit() and (sender_column is None or sender_column.isdigit())
    # IANA text/tab-separated-values has no quoting (cells hold no tab or line break):
    # a message starting with a quote must not swallow the lines after it. Quoted
    # TSV exports show it in their first line.
    first = text.split("\n", 1)[0]
    source = io.StringIO(text, newline="")
    if sep == "\t" and not first.startswith('"'):
        reader = csv.reader(source, delimiter=sep, quoting=csv.QUOTE_NONE)
    else:
        reader = csv.reader(source, delimiter=sep)
    header: list[str] = []
    if not positional:
        try:
            header = next(reader, [])
        except csv.Error as exc:
            msg = f"{path}: cannot read the header line: {exc}"
            raise InputError(msg) from None
        header = [h.strip() for h in header]
    text_at = _column(path, header, text_column, positional)
    sender_at = None if sender_column is None else _column(path, header, sender_column,
                                                           positional)
    while True:
        line = reader.line_num + 1
        name = f"{path}:{line}"
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The reader cannot resynchronise after a broken record: report and stop.
            yield name, InputError(f"{name}: unreadable record: {exc}")
            return
        if not row or all(not cell.strip() for cell in row):
            continue
        if text_at >= len(row):
            yield name, InputError(f"{name}: the row has {len(row)} cells, no text column "
                                   f"{text_column!r}")
            continue
        body = row[text_at][:MAX_CELL_CHARS]
        sender = (row[sender_at].strip()[:64] or None) if (
            sender_at is not None and sender_at < len(row)) else None
        try:
            yield name, Sms(sender=sender, body=body, country=country)
        except InputError as exc:
            yield name, exc


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_TABLE_BYTES:
            msg = f"{path}: {size:,} bytes, more than an SMS table may have ({MAX_TABLE_BYTES:,})"
            raise InputError(msg)
        raw = path.read_bytes()
    except OSError as exc:
        msg = f"cannot read {path}: {exc.strerror or exc}"
        raise InputError(msg) from None
    return decode_table(raw).replace("\x00", "")


def decode_table(raw: bytes) -> str:
    """Decode a table's bytes: BOMs, UTF-8, CP949/EUC-KR, else UTF-8 per line with cp1252."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", "replace")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Korean exports: every byte pair valid CP949 and some Hangul in it.
        text = raw.decode("cp949")
        if any("\uac00" <= ch <= "\ud7a3" for ch in text):
            return text
    except UnicodeDecodeError:
        pass
    lines = []
    for chunk in raw.split(b"\n"):
        try:
            lines.append(chunk.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(chunk.decode("cp1252", "replace"))
    return "\n".join(lines).removeprefix("\ufeff")


def _delimiter(path: Path, text: str) -> str:
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _column(path: Path, header: list[str], wanted: str, positional: bool) -> int:
    if positional:
        index = int(wanted) - 1
        if index < 0:
            msg = f"{path}: column positions start at 1, not {wanted}"
            raise InputError(msg)
        return index
    if wanted in header:
        return header.index(wanted)
    lowered = [h.casefold() for h in header]
    if wanted.casefold() in lowered:
        return lowered.index(wanted.casefold())
    msg = f"{path}: no column {wanted!r}; the columns are {header}"
    raise InputError(msg)
