"""Gateway commands for the ``trustcheck`` CLI (``trustcheck milter ...``)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

__all__ = ["add_commands"]


def add_commands(sub: argparse._SubParsersAction[Any],
                 parser_class: type[argparse.ArgumentParser]) -> None:
    """Add the gateway subcommands to the CLI."""
    del parser_class  # the subparsers action already builds the CLI's parser class
    m = sub.add_parser("milter", help="run the mail gateway milter (Postfix smtpd_milters)",
                       description="Run trustcheck as a milter; see docs/gateway.md.")
    m.add_argument("--config", metavar="FILE", required=True, help="the gateway TOML file")
    m.add_argument("--listen", metavar="SPEC",
                   help="inet:HOST:PORT, inet6:[HOST]:PORT or unix:PATH (overrides the config)")
    m.add_argument("--check-config", action="store_true",
                   help="validate the config, registry, policy and DNS fixture, then exit")
    m.set_defaults(func=_cmd_milter)


def _cmd_milter(args: argparse.Namespace) -> int:
    import dataclasses

    from trustcheck.errors import ConfigError
    from trustcheck.gateway.config import load_config, parse_listen
    from trustcheck.gateway.engine import GatewayEngine, build_verifier

    config = load_config(args.config)
    if args.listen:
        config = dataclasses.replace(config, listen=parse_listen(args.listen))
    if args.check_config:
        verifier = build_verifier(config)  # loads registry, policy and DNS fixture: all checked
        actions = ", ".join(f"{s.value}={config.action_for(s).value}" for s in config.actions)
        print(f"{args.config}: OK (listen {config.listen or '-'}, authserv-id "
              f"{config.authserv_id}, {len(verifier.registry.brands)} brands, actions: "
              f"{actions}, on_error={config.on_error.value})")
        return 0
    if config.listen is None:
        msg = "No listen address: pass --listen or set listen in the config."
        raise ConfigError(msg)
    try:
        import Milter  # noqa: F401 - fail early with the fix, not inside the daemon
    except ImportError:
        msg = "The milter needs pymilter: pip install 'trustcheck[gateway]' (and libmilter)."
        raise ConfigError(msg) from None
    from trustcheck.gateway.metrics import serve_metrics
    from trustcheck.gateway.milter import run_milter

    _setup_logging(config.log_file)
    engine = GatewayEngine(config)
    server = None
    if config.metrics_listen is not None:
        server = serve_metrics(engine.metrics, *config.metrics_listen)
    try:
        run_milter(engine, config.listen)
    finally:
        if server is not None:
            server.shutdown()
    return 0


class _JsonLines(logging.Formatter):
    """One JSON object per line: time, level, and the event's own fields."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        try:
            fields = json.loads(text)
        except ValueError:
            fields = None
        if not isinstance(fields, dict):
            fields = {"message": text}
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        when = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        out = {"time": when,
               "level": record.levelname.lower(), **fields}
        return json.dumps(out, ensure_ascii=False)


def _setup_logging(path: Any) -> None:
    handler: logging.Handler = (logging.FileHandler(path, encoding="utf-8") if path
                                else logging.StreamHandler(sys.stderr))
    handler.setFormatter(_JsonLines())
    logger = logging.getLogger("trustcheck.gateway")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
