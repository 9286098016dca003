"""E-mail authentication: SPF, DKIM, DMARC, ARC, Authentication-Results, BIMI.

Pure logic over a :class:`trustcheck.dns.Resolver`: nothing here opens a
socket of its own, so every check runs offline against a
:class:`~trustcheck.dns.StaticResolver` in tests. :func:`authenticate` runs
them all for a parsed message; the single checks are for experts.
"""

from trustcheck.auth.arc import ArcResult, seal_arc, verify_arc
from trustcheck.auth.authenticate import AuthOutcome, Envelope, authenticate
from trustcheck.auth.authres import (
    AuthenticationResults,
    format_authentication_results,
    parse_authentication_results,
    select_trusted_results,
)
from trustcheck.auth.bimi import BimiResult, check_bimi
from trustcheck.auth.dkim import DkimResult, verify_dkim
from trustcheck.auth.dmarc import DmarcRecord, DmarcResult, check_dmarc, parse_dmarc_record
from trustcheck.auth.received import DerivedEnvelope, derive_envelope, parse_received
from trustcheck.auth.results import AuthWord, ResultSource
from trustcheck.auth.spf import SpfResult, check_spf

__all__ = [
    "ArcResult",
    "AuthOutcome",
    "AuthWord",
    "AuthenticationResults",
    "BimiResult",
    "DerivedEnvelope",
    "DkimResult",
    "DmarcRecord",
    "DmarcResult",
    "Envelope",
    "ResultSource",
    "SpfResult",
    "authenticate",
    "check_bimi",
    "check_dmarc",
    "check_spf",
    "derive_envelope",
    "format_authentication_results",
    "parse_authentication_results",
    "parse_dmarc_record",
    "parse_received",
    "seal_arc",
    "select_trusted_results",
    "verify_arc",
    "verify_dkim",
]
