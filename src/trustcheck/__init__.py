"""trustcheck: does this e-mail or SMS really come from the brand it claims?

>>> from trustcheck import Verifier
>>> from trustcheck.dns import StaticResolver
>>> verifier = Verifier(resolver=StaticResolver({}, default="TIMEOUT"))
>>> verdict = verifier.verify(b"From: a@example.com\\r\\nSubject: hi\\r\\n\\r\\nhello\\r\\n")
>>> verdict.status.value
'unverified'

The high-level layer is :func:`verify_message` and :class:`Verifier`; each check
underneath is public for experts in its own module (``trustcheck.auth.check_spf``,
``trustcheck.links.find_lookalike`` …).
"""

from trustcheck.auth.authenticate import Envelope
from trustcheck.errors import (
    ConfigError,
    DNSFixtureError,
    InputError,
    MessageParseError,
    RegistryError,
    TrustcheckError,
)
from trustcheck.message import Sms
from trustcheck.registry import Registry
from trustcheck.verdict import Finding, Policy, Severity, Status, Verdict
from trustcheck.verifier import Verifier, verify_message

__version__ = "0.1.0.dev0"

__all__ = [
    "ConfigError",
    "DNSFixtureError",
    "Envelope",
    "Finding",
    "InputError",
    "MessageParseError",
    "Policy",
    "Registry",
    "RegistryError",
    "Severity",
    "Sms",
    "Status",
    "TrustcheckError",
    "Verdict",
    "Verifier",
    "__version__",
    "verify_message",
]
