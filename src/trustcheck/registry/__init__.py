"""Brand registry: who each brand is and which domains and SMS senders are really its own.

Brands are data (one YAML file per brand, validated by ``schema/brand.schema.json``);
the default registry ships in ``brands/``. Typical use::

    from trustcheck.registry import Registry
    registry = Registry.default().merge(Registry.load("my-brands/"))
    registry.brand_for_domain("email.apple.com").id   # 'apple'
"""

from trustcheck.registry.loader import LintMessage, brand_schema, lint_registry
from trustcheck.registry.model import Brand, Registry
from trustcheck.registry.names import fold, fold_name, normalize_domain, normalize_sms_sender

__all__ = [
    "Brand",
    "LintMessage",
    "Registry",
    "brand_schema",
    "fold",
    "fold_name",
    "lint_registry",
    "normalize_domain",
    "normalize_sms_sender",
]
