"""Bounds on the work parsing one message may do.

Hostile input (a 50 MB message, 1,000 nested multiparts, 100k headers, a 10 MB
header line, 20 MB of HTML) must end quickly with a finding rather than a crash
or a hang. Every bound is here, documented, and configurable:

=====================  ==========  =================================  ========================
field                  default     what happens when it is reached    finding code
=====================  ==========  =================================  ========================
``max_bytes``          25 MiB      only the first ``max_bytes`` are   ``message.size_limit``
                                   parsed (``raw`` keeps every byte)
``max_depth``          30          deeper multiparts are not opened   ``mime.depth_limit``
``max_parts``          1000        later MIME parts are skipped       ``mime.part_limit``
                                   (budget shared with forwarded
                                   originals)
``max_headers``        2000        later header fields are dropped    ``header.count_limit``
``max_header_length``  64 KiB      a longer field value is truncated  ``header.length_limit``
``max_html_bytes``     2 MiB       each HTML body is truncated        ``html.size_limit``
``max_text_bytes``     2 MiB       each text/plain body is truncated  ``text.size_limit``
``max_urls``           2000        (used by :mod:`trustcheck.links`)  ``link.count_limit``
``max_forward_depth``  3           forwarded originals nested deeper  ``forward.depth_limit``
                                   are not extracted
=====================  ==========  =================================  ========================

Reaching a limit describes the input, it is not by itself evidence of fraud:
the findings say so, and carry severity ``low``.
"""

from __future__ import annotations

from dataclasses import dataclass

from trustcheck.errors import ConfigError

__all__ = ["Limits"]

_MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on parsing work; see the module docstring for the table of defaults."""

    max_bytes: int = 25 * _MiB
    max_depth: int = 30
    max_parts: int = 1000
    max_headers: int = 2000
    max_header_length: int = 64 * 1024
    max_html_bytes: int = 2 * _MiB
    max_text_bytes: int = 2 * _MiB
    max_urls: int = 2000
    max_forward_depth: int = 3

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            # bool is an int subclass; True as a limit is a caller's mistake.
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                msg = f"Limits.{name} must be a non-negative int, got {value!r}."
                raise ConfigError(msg)
