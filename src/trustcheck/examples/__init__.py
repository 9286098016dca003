"""Example messages shipped with trustcheck, with the DNS answers they were checked against.

``trustcheck demo`` verifies :func:`demo_message` offline against
:func:`demo_resolver`, so a new user sees a full verdict without network access.
"""

from __future__ import annotations

from importlib import resources

from trustcheck.dns.static import StaticResolver

__all__ = ["demo_message", "demo_resolver", "example_bytes"]

DEMO = "fake-apple-receipt"


def example_bytes(name: str) -> bytes:
    """The raw bytes of a shipped example file (``fake-apple-receipt.eml`` …)."""
    return resources.files(__name__).joinpath(name).read_bytes()


def demo_message() -> bytes:
    """A fake "Your receipt from Apple" e-mail, the kind trustcheck exists to catch."""
    return example_bytes(f"{DEMO}.eml")


def demo_resolver() -> StaticResolver:
    """The DNS answers recorded for :func:`demo_message`."""
    from trustcheck.dns.fixtures import load_fixture

    with resources.as_file(resources.files(__name__).joinpath(f"{DEMO}.dns.yaml")) as path:
        return load_fixture(path)
