"""SMS verification: registered senders, carrier labels, smishing links and lures.

An SMS has no SPF or DKIM: authenticity rests on the sender (a number, short
code or alphanumeric ID registered for the brand in that country), the
carrier's labels, the text matching a registered template, and links staying
on the brand's domains.
"""

from trustcheck.sms.table import read_sms_table
from trustcheck.sms.verify import verify_sms

__all__ = ["read_sms_table", "verify_sms"]
