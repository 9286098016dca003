"""Gateway configuration: listen specs, TOML validation, the shipped example."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from trustcheck.errors import ConfigError
from trustcheck.gateway.config import Action, ListenSpec, load_config, parse_listen
from trustcheck.verdict import Status

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "gateway.toml"


@pytest.mark.parametrize(("spec", "expected", "libmilter"), [
    ("inet:127.0.0.1:8891", ListenSpec("inet", "127.0.0.1", 8891), "inet:8891@127.0.0.1"),
    ("inet:8891@127.0.0.1", ListenSpec("inet", "127.0.0.1", 8891), "inet:8891@127.0.0.1"),
    ("inet6:[::1]:8891", ListenSpec("inet6", "::1", 8891), "inet6:8891@::1"),
    ("unix:/run/trustcheck/milter.sock", ListenSpec("unix", "/run/trustcheck/milter.sock"),
     "unix:/run/trustcheck/milter.sock"),
    ("local:/tmp/m.sock", ListenSpec("unix", "/tmp/m.sock"), "unix:/tmp/m.sock"),
])
def test_parse_listen(spec: str, expected: ListenSpec, libmilter: str) -> None:
    got = parse_listen(spec)
    assert got == expected
    assert got.libmilter() == libmilter
    assert parse_listen(str(got)) == got  # str() round-trips


@pytest.mark.parametrize("spec", [
    "", "inet", "inet:", "tcp:127.0.0.1:25", "inet:localhost:8891", "inet:127.0.0.1:0",
    "inet:127.0.0.1:70000", "inet:127.0.0.1:port", "unix:",
])
def test_parse_listen_rejects(spec: str) -> None:
    with pytest.raises(ConfigError):
        parse_listen(spec)


def test_defaults_are_fail_safe(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, ""))  # an empty file is a valid config
    assert cfg.on_error is Action.TEMPFAIL
    assert cfg.action_for(Status.AUTHENTIC) is Action.HEADERS
    assert cfg.action_for(Status.PHISHING) is Action.QUARANTINE
    assert cfg.metrics_listen is None


def test_full_config(tmp_path: Path) -> None:
    fixture = tmp_path / "dns.yaml"
    fixture.write_text("zone: {}\n")
    cfg = load_config(_write(tmp_path, """
        listen = "inet:127.0.0.1:8891"
        authserv_id = "mx.example.net"
        dns_fixture = "dns.yaml"
        timeout = 2.5
        workers = 4
        on_error = "headers"
        metrics_listen = "127.0.0.1:9205"
        trusted_authserv_ids = ["mx.upstream.example"]
        [dns]
        nameservers = ["127.0.0.1"]
        timeout = 0.5
        lifetime = 1.5
        [actions]
        phishing = "reject"
        suspicious = "accept"
    """))
    assert cfg.listen == ListenSpec("inet", "127.0.0.1", 8891)
    assert cfg.authserv_id == "mx.example.net"
    assert cfg.dns_fixture == fixture  # relative to the config file
    assert (cfg.timeout, cfg.workers, cfg.dns_timeout, cfg.dns_lifetime) == (2.5, 4, 0.5, 1.5)
    assert cfg.on_error is Action.HEADERS
    assert cfg.metrics_listen == ("127.0.0.1", 9205)
    assert cfg.nameservers == ("127.0.0.1",)
    assert cfg.action_for(Status.PHISHING) is Action.REJECT
    assert cfg.action_for(Status.SUSPICIOUS) is Action.ACCEPT
    assert cfg.action_for(Status.IMPERSONATION) is Action.QUARANTINE  # default kept
    assert cfg.source == tmp_path / "gateway.toml"


@pytest.mark.parametrize(("text", "needle"), [
    ("lisen = 'inet:127.0.0.1:1'", "Unknown gateway config keys ['lisen']"),
    ("on_error = 'reject'", "not fail-safe"),
    ("on_error = 'quarantine'", "not fail-safe"),
    ("on_error = 'drop'", "expected one of"),
    ("timeout = 0", "timeout must be a positive number"),
    ("timeout = 'soon'", "timeout must be a positive number"),
    ("workers = true", "workers must be a positive number"),
    ("authserv_id = 'a b'", "authserv_id"),
    ("authserv_id = ''", "authserv_id"),
    ("metrics_listen = '0.0.0.0:9100'", "only a loopback address"),
    ("metrics_listen = 'localhost:9100'", "numeric loopback"),
    ("dns_fixture = 'missing.yaml'", "does not exist"),
    ("[actions]\nphish = 'reject'", "not a status"),
    ("[actions]\nphishing = 'bounce'", "expected one of"),
    ("[actions]\nphishing = 1", "must be a string"),
    ("[dns]\nserver = '1.1.1.1'", "Unknown [dns] keys"),
    ("[dns]\nnameservers = '1.1.1.1'", "list of strings"),
    ("authserv_id = 5", "must be a str"),
    ("this is not toml", "not valid TOML"),
])
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text))
    assert needle in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Cannot read gateway config"):
        load_config(tmp_path / "nope.toml")


def test_shipped_example_is_valid() -> None:
    cfg = load_config(EXAMPLE)
    assert cfg.listen is not None
    assert cfg.on_error in (Action.TEMPFAIL, Action.HEADERS, Action.ACCEPT)


@pytest.mark.parametrize(("text", "code", "needle"), [
    ("", 0, "OK"),
    ("on_error = 'reject'", 2, "not fail-safe"),
])
def test_cli_check_config(tmp_path: Path, text: str, code: int, needle: str) -> None:
    path = _write(tmp_path, text)
    done = subprocess.run([sys.executable, "-m", "trustcheck", "milter", "--config", str(path),
                           "--check-config"], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == code, done.stderr
    assert needle in (done.stdout + done.stderr)


def _write(directory: Path, text: str) -> Path:
    path = directory / "gateway.toml"
    path.write_text(textwrap.dedent(text))
    return path
