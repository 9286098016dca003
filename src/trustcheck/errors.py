"""Exceptions raised by trustcheck.

Failed authentication, lookalike links and the like are *findings* in a
:class:`~trustcheck.verdict.Verdict`, never exceptions. Exceptions are for input
the library cannot take at all and for configuration mistakes::

    TrustcheckError (Exception)
    ├── InputError (ValueError)            input that is not a message at all
    │   └── MessageParseError              raw bytes that cannot be read as e-mail
    ├── ConfigError (ValueError)           a bad option, policy or config file
    ├── RegistryError (ValueError)         a brand or template file that does not validate
    └── DNSFixtureError (ValueError)       a recorded DNS fixture that cannot be read

Third-party exceptions (dnspython, dkimpy, PyYAML, jsonschema) are translated
into these at the boundary, so callers need only catch ``TrustcheckError``.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DNSFixtureError",
    "InputError",
    "MessageParseError",
    "RegistryError",
    "TrustcheckError",
]


class TrustcheckError(Exception):
    """Root of every exception trustcheck raises on purpose."""


class InputError(TrustcheckError, ValueError):
    """The input is not something trustcheck can verify (wrong type, unreadable file)."""


class MessageParseError(InputError):
    """The raw bytes cannot be read as an e-mail message at all."""


class ConfigError(TrustcheckError, ValueError):
    """An option, policy table or configuration file is wrong; the message says which."""


class RegistryError(TrustcheckError, ValueError):
    """A brand or template registry file does not validate; the message names file and field."""


class DNSFixtureError(TrustcheckError, ValueError):
    """A recorded DNS fixture file cannot be read."""
