"""The lure lexicon: phrase families loaded once from ``data/lures.yaml``.

Each family names one technique (credential request, account threat, payment
urgency, prize bait, advance-fee bait, deadline pressure, held parcel). The
phrases of a family compile into one alternation, so scanning a message is one
regex pass per family over bounded text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from trustcheck.content.firstchar import lead_class
from trustcheck.errors import ConfigError

__all__ = ["Family", "families"]

# Not preceded by a letter: phrases start at a word start, but may run on into
# a longer word ("gutschein" matches "Gutscheincode"; Korean takes particles).
_WORD_START = r"(?<![^\W\d_])"


@dataclass(frozen=True, slots=True)
class Family:
    """One lure technique and its compiled phrases."""

    name: str
    why: str
    pattern: re.Pattern[str]


def _compile(name: str, entry: Any) -> Family:
    if not isinstance(entry, dict) or not isinstance(entry.get("phrases"), list):
        msg = f"Lure family {name!r} needs a 'phrases' list."
        raise ConfigError(msg)
    # A phrase with an unquoted ": " reads as a YAML mapping, not a string.
    if not all(isinstance(p, str) for p in entry["phrases"]):
        msg = f"Lure family {name!r} has a phrase that is not a string (quote it in YAML)."
        raise ConfigError(msg)
    phrases = list(entry["phrases"])
    try:
        # The look-ahead only speeds the scan up; it matches the same text.
        lead = lead_class(phrases)
        ahead = f"(?={lead})" if lead else ""
        pattern = re.compile(
            ahead + _WORD_START + "(?:" + "|".join(f"(?:{p})" for p in phrases) + ")"
        )
    except re.error as exc:
        msg = f"Lure family {name!r} has an invalid phrase: {exc}."
        raise ConfigError(msg) from exc
    return Family(name=name, why=str(entry.get("why", "")), pattern=pattern)


@functools.cache
def families() -> tuple[Family, ...]:
    """The shipped lure families, compiled (cached: loaded once per process)."""
    text = resources.files("trustcheck.content").joinpath("data/lures.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        msg = "trustcheck/content/data/lures.yaml must hold a mapping of families."
        raise ConfigError(msg)
    return tuple(_compile(str(name), entry) for name, entry in data.items())
