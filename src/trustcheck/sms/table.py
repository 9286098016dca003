"""Read SMS messages from a CSV/TSV table for ``trustcheck scan --sms``."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from trustcheck.errors import InputError
from trustcheck.message import Sms

__all__ = ["read_sms_table"]


def read_sms_table(
    path: str | Path,
    *,
    text_column: str,
    sender_column: str | None = None,
    country: str | None = None,
    delimiter: str | None = None,
) -> Iterator[tuple[str, Sms | Exception]]:
    """Yield ``(row name, Sms or the error reading that row)`` for every row of the table.

    The delimiter is a tab for ``.tsv`` files and a comma otherwise, unless given.
    Raises :class:`~trustcheck.errors.InputError` when the file cannot be opened or
    a named column is missing.
    """
    path = Path(path)
    sep = delimiter or ("\t" if path.suffix.lower() == ".tsv" else ",")
    try:
        handle = path.open(encoding="utf-8-sig", errors="replace", newline="")
    except OSError as exc:
        msg = f"cannot read {path}: {exc.strerror or exc}"
        raise InputError(msg) from None
    with handle:
        reader = csv.DictReader(handle, delimiter=sep)
        columns = reader.fieldnames or []
        for wanted in (text_column, sender_column):
            if wanted is not None and wanted not in columns:
                msg = f"{path}: no column {wanted!r}; the columns are {columns}"
                raise InputError(msg)
        for number, row in enumerate(reader, start=2):
            name = f"{path}:{number}"
            try:
                sender = row.get(sender_column) if sender_column else None
                yield name, Sms(sender=sender or None, body=row.get(text_column) or "",
                                country=country)
            except InputError as exc:
                yield name, exc
