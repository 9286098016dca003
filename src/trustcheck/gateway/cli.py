"""Gateway commands for the ``trustcheck`` CLI (``trustcheck milter ...``)."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_commands"]


def add_commands(sub: argparse._SubParsersAction[Any],
                 parser_class: type[argparse.ArgumentParser]) -> None:
    """Add the gateway subcommands to the CLI (none yet)."""
    del sub, parser_class
