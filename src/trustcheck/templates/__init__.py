"""Registered notification templates: matching, slot checks, CI conformance.

A brand registers its official notifications as templates with typed slots.
:func:`check_email_template` tells which registered template a message looks
like, and whether that is impersonation (the layout of a brand's template from
a sender that is not the brand) or abuse of a genuine channel (foreign content
in the slots).
"""

from trustcheck.templates.check import (
    TemplateCheck,
    TemplateSet,
    check_email_template,
    check_sms_template,
)

__all__ = ["TemplateCheck", "TemplateSet", "check_email_template", "check_sms_template"]
