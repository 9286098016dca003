"""Run Rspamd and SpamAssassin side by side with trustcheck on the same corpora, offline.

For every corpus of ``benchmarks/eval_corpora.py`` (same files, same order, same
``--limit``) the script prints each filter's flagged share and, per filter, its
speed with one client sending one message at a time (messages/s, p50, p99) and
its peak memory:

- trustcheck: ``eval_corpora.evaluate()`` (the support-tool configuration,
  ``StaticResolver({}, default="TIMEOUT")``); flagged = phishing,
  impersonation or suspicious.
- Rspamd (Debian package ``rspamd``): one ``normal`` worker (``count = 1``) on
  127.0.0.1, messages POSTed to ``/checkv2``; flagged = action other than
  ``no action`` (the ``reject`` share is printed too).
- SpamAssassin (Debian packages ``spamassassin`` + ``spamd``): ``spamd -L`` with
  one child on 127.0.0.1, spoken to with the spamc protocol (``CHECK
  SPAMC/1.5``); flagged = ``Spam: True``.

    python benchmarks/compare_filters.py [--corpora DIR] [--limit N]
        [--filters rspamd,spamassassin,trustcheck] [--json] [--no-install]

Both daemons are started by this script with configurations written to a
temporary directory (templates in ``benchmarks/filters/``), bound to 127.0.0.1
on free ports, and stopped at the end whatever happens. They run fully offline:
Rspamd's DNS goes to a closed loopback port and its network modules are off,
SpamAssassin runs with ``-L`` and ``dns_available no``. Missing packages are
installed with ``apt-get install -y`` (root only; service start-up is blocked
with a temporary policy-rc.d). A filter that cannot be installed or started is
skipped with a message; without the corpora directory the script prints a note
and exits 0. The corpora hold live malicious links and attachments: they are
read as bytes and handed to the filters, never opened, fetched or run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import pwd
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_corpora import CORPORA, DEFAULT_CORPORA, Corpus, evaluate, message_files

FILTERS = ("trustcheck", "rspamd", "spamassassin")
CONFIG_DIR = Path(__file__).resolve().parent / "filters"
LOOPBACK = "127.0.0.1"
REQUEST_TIMEOUT = 60.0  # seconds for one message; a slower answer counts as an error
STARTUP_TIMEOUT = 180.0  # Rspamd compiles its hyperscan database on first start

# Debian packages per filter, and the binaries that prove they are installed.
PACKAGES = {
    "rspamd": (("rspamd",), ("rspamd",)),
    "spamassassin": (("spamassassin", "spamd"), ("spamd",)),
}


class FilterUnavailable(Exception):
    """A filter cannot be installed or started; the run skips it."""


# Rspamd's action thresholds, set in filters/rspamd/local.d/actions.conf (Rspamd's
# defaults, written out so this script can re-apply them).
RSPAMD_GREYLIST = 4.0

# Symbols that measure the replay of stored mail on a machine without DNS, not the
# message: how old the Date is compared with today, and reverse-DNS / ARC key lookups
# that can only fail offline. A gateway receiving the same mail live would not add them.
REPLAY_ARTIFACTS = frozenset({"DATE_IN_PAST", "HFILTER_HOSTNAME_UNKNOWN", "RDNS_NONE",
                              "RDNS_DNSFAIL"})
_DNS_FAILED = re.compile(r"dns request .* failed|server fail|timed? ?out", re.IGNORECASE)


def live_score(score: float, symbols: dict[str, Any]) -> float:
    """Rspamd's score without the replay artifacts (ARC_REJECT only when DNS failed it)."""
    removed = 0.0
    for name, symbol in symbols.items():
        weight = float(symbol.get("score") or 0.0)
        options = " ".join(str(o) for o in symbol.get("options") or ())
        if name in REPLAY_ARTIFACTS or (name == "ARC_REJECT" and _DNS_FAILED.search(options)):
            removed += weight
    return score - removed


@dataclass(frozen=True)
class Answer:
    """One filter's answer to one message."""

    label: str  # Rspamd's action, SpamAssassin's "spam"/"ham"
    flagged: bool
    rejected: bool = False
    flagged_live: bool | None = None
    """Rspamd only: still flagged once REPLAY_ARTIFACTS are taken out of its score."""


@dataclass
class Tally:
    """One filter's answers on one corpus."""

    flagged: int = 0
    rejected: int = 0  # Rspamd only: action "reject"
    flagged_live: int = 0  # Rspamd only: flagged without the replay artifacts
    errors: int = 0
    answers: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    @property
    def messages(self) -> int:
        return len(self.latencies) + self.errors


@dataclass
class FilterRun:
    """One filter over all corpora."""

    name: str
    tallies: dict[str, Tally] = field(default_factory=dict)
    peak_mib: float = 0.0
    skipped: str | None = None
    note: str = ""

    def latencies(self) -> list[float]:
        return [x for t in self.tallies.values() for x in t.latencies]

    def rate(self) -> float:
        lat = self.latencies()
        return len(lat) / max(sum(lat), 1e-9)

    def percentile_ms(self, p: float) -> float:
        ordered = sorted(self.latencies())
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


# ---------------------------------------------------------------- helpers


def _free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((LOOPBACK, 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            msg = f"daemon exited with status {proc.returncode} before listening"
            raise FilterUnavailable(msg)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            if s.connect_ex((LOOPBACK, port)) == 0:
                return
        time.sleep(0.2)
    msg = f"nothing listens on {LOOPBACK}:{port} after {timeout:.0f} s"
    raise FilterUnavailable(msg)


def _session_pids(sid: int) -> list[int]:
    """Processes of the session our daemon leads (it was started with a new session)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                if os.getsid(int(entry.name)) == sid:
                    pids.append(int(entry.name))
    return pids


def _peak_mib(pids: Sequence[int]) -> float:
    """Largest peak resident size (VmHWM) among the daemon's processes.

    The largest one, not the sum: forked workers share most of their pages with
    the main process, so a sum would count the rule set several times.
    """
    peak_kib = 0
    for pid in pids:
        with suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kib = max(peak_kib, int(line.split()[1]))
    return peak_kib / 1024


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a daemon we started: SIGTERM to its own process group, then SIGKILL."""
    if proc.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


def _ensure_installed(name: str, install: bool) -> None:
    packages, binaries = PACKAGES[name]
    if all(shutil.which(b) for b in binaries):
        return
    if not install:
        msg = f"{', '.join(binaries)} not found and --no-install given"
        raise FilterUnavailable(msg)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        msg = f"{', '.join(binaries)} not found; install Debian packages {' '.join(packages)}"
        raise FilterUnavailable(msg)
    # Debian starts a service on install; a policy-rc.d answering 101 forbids
    # that (invoke-rc.d policy interface), we start our own daemon instead.
    policy = Path("/usr/sbin/policy-rc.d")
    added_policy = not policy.exists()
    if added_policy:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        print(f"installing {' '.join(packages)} with apt-get ...", file=sys.stderr)
        done = subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", *packages],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            capture_output=True, text=True, timeout=900, check=False,
        )
    finally:
        if added_policy:
            policy.unlink()
    if done.returncode != 0 or not all(shutil.which(b) for b in binaries):
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
        msg = f"apt-get install {' '.join(packages)} failed: {' '.join(tail)}"
        raise FilterUnavailable(msg)


def _daemon_user(name: str, fallback: str) -> str:
    """The unprivileged account the Debian package created, when we run as root."""
    if os.geteuid() != 0:
        return ""
    try:
        pwd.getpwnam(name)
    except KeyError:
        return fallback
    return name


def _give_to(path: Path, user: str) -> None:
    """Make the work directory usable by the unprivileged daemon user."""
    if os.geteuid() != 0:
        return
    shutil.chown(path, user)
    for sub in path.rglob("*"):
        shutil.chown(sub, user)


class _ServfailDNS:
    """A DNS stub on 127.0.0.1 that answers every query SERVFAIL at once.

    Rspamd needs a nameserver; this one never forwards anything, so no name from
    a message leaves the machine, and a failed lookup costs no waiting (like
    trustcheck's StaticResolver, whose TIMEOUT answers are immediate).
    """

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((LOOPBACK, 0))
        self._sock.settimeout(0.2)
        self.port: int = self._sock.getsockname()[1]
        self.queries = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="servfail-dns", daemon=True)
        self._thread.start()

    @staticmethod
    def answer(query: bytes) -> bytes | None:
        """SERVFAIL reply echoing the question (RFC 1035 section 4.1.1), or None for junk."""
        if len(query) < 12 or query[2] & 0x80:  # too short, or itself a response
            return None
        end = 12
        while end < len(query) and query[end] != 0:
            if query[end] & 0xC0:  # a pointer cannot appear in a lone question
                return None
            end += query[end] + 1
        end += 5  # root label, QTYPE, QCLASS
        if end > len(query):
            return None
        flags = bytes([0x80 | (query[2] & 0x79), 0x80 | 2])  # QR, opcode, RD; RA, SERVFAIL
        qdcount = b"\x00\x01" if query[4:6] != b"\x00\x00" else b"\x00\x00"
        return query[:2] + flags + qdcount + b"\x00" * 6 + query[12:end]

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                query, peer = self._sock.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            reply = self.answer(query)
            if reply is not None:
                self.queries += 1
                with suppress(OSError):
                    self._sock.sendto(reply, peer)

    def close(self) -> None:
        """Stop answering and free the port."""
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()


# ---------------------------------------------------------------- Rspamd


@dataclass
class _Daemon:
    proc: subprocess.Popen[bytes]
    port: int
    workdir: Path
    version: str


_REMOTE_MAP = re.compile(r'^\s*"(?:[a-z]+;)?(?:sign\+)?https?://[^"]*",?\s*$')


def _copy_rspamd_confdir(dest: Path) -> None:
    """Debian's /etc/rspamd without remote map sources (only local fallbacks remain)."""
    shutil.copytree("/etc/rspamd", dest, symlinks=False)
    for conf in dest.rglob("*.conf"):
        text = conf.read_text()
        kept = [line for line in text.splitlines() if not _REMOTE_MAP.match(line)]
        if len(kept) != len(text.splitlines()):
            conf.write_text("\n".join(kept) + "\n")


@contextmanager
def _rspamd() -> Iterator[_Daemon]:
    if not Path("/etc/rspamd/common.conf").is_file():
        msg = "/etc/rspamd/common.conf missing (Debian package rspamd incomplete)"
        raise FilterUnavailable(msg)
    workdir = Path(tempfile.mkdtemp(prefix="tc-rspamd-"))
    os.chmod(workdir, 0o755)
    dns = _ServfailDNS()
    ports = {
        "@NORMAL_PORT@": str(_free_port()),
        "@CONTROLLER_PORT@": str(_free_port()),
        "@DNS_PORT@": str(dns.port),
        "@TMPDIR@": str(workdir / "tmp"),
    }
    confdir, localdir = workdir / "conf", workdir / "local"
    _copy_rspamd_confdir(confdir)
    shutil.copytree(CONFIG_DIR / "rspamd", localdir)
    for conf in [*localdir.rglob("*.conf"), *localdir.rglob("*.inc")]:
        text = conf.read_text()
        for token, value in ports.items():
            text = text.replace(token, value)
        conf.write_text(text)
    # Our top-level file replaces Debian's rspamd.conf in the copied CONFDIR.
    shutil.copy(localdir / "rspamd.conf", confdir / "rspamd.conf")
    for sub in ("db", "run", "log", "tmp"):
        (workdir / sub).mkdir()
    user = _daemon_user("_rspamd", fallback="")
    if user:
        _give_to(workdir, user)
    version = subprocess.run(["rspamd", "--version"], capture_output=True, text=True,
                             check=False).stdout.strip()
    cmd = ["rspamd", "-f", "-c", str(confdir / "rspamd.conf"),
           "--var", f"CONFDIR={confdir}", "--var", f"LOCAL_CONFDIR={localdir}",
           "--var", f"DBDIR={workdir / 'db'}", "--var", f"RUNDIR={workdir / 'run'}",
           "--var", f"LOGDIR={workdir / 'log'}"]
    if os.geteuid() == 0:
        cmd += ["-u", user, "-g", user] if user else ["-i"]
    log = (workdir / "stdout.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    daemon = _Daemon(proc, int(ports["@NORMAL_PORT@"]), workdir, version)
    try:
        _wait_for_port(daemon.port, proc, STARTUP_TIMEOUT)
        _wait_for_hyperscan(workdir / "db", proc)
        yield daemon
    except FilterUnavailable as exc:
        log_tail = _tail(workdir / "log" / "rspamd.log") or _tail(workdir / "stdout.log")
        msg = f"{exc}; log: {log_tail}"
        raise FilterUnavailable(msg) from None
    finally:
        _stop(proc)
        dns.close()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _tail(path: Path, lines: int = 3) -> str:
    with suppress(OSError):
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    return ""


def _wait_for_hyperscan(dbdir: Path, proc: subprocess.Popen[bytes]) -> None:
    """Wait until Rspamd's hyperscan database is compiled and loaded.

    Until then Rspamd matches its regexps with PCRE while its hs_helper process
    compiles on another core; timing that would be unfair to Rspamd. The
    helper writes ``*.hs`` files into DBDIR, the scanner writes ``*.hs.unser``
    next to them when it loads them; done when the set stops changing.
    """
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last: set[str] = set()
    stable_since = time.monotonic()
    while time.monotonic() < deadline and proc.poll() is None:
        names = {p.name for p in dbdir.iterdir()}
        if names != last:
            last, stable_since = names, time.monotonic()
        loaded = any(n.endswith(".unser") for n in names) or not any(
            n.endswith(".hs") for n in names)
        if loaded and time.monotonic() - stable_since >= 3:
            return
        time.sleep(0.5)


def _rspamd_check(port: int) -> Callable[[bytes], Answer]:
    def check(raw: bytes) -> Answer:
        conn = http.client.HTTPConnection(LOOPBACK, port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request("POST", "/checkv2", body=raw,
                         headers={"Content-Type": "message/rfc822"})
            resp = conn.getresponse()
            body = resp.read()
        finally:
            conn.close()
        if resp.status != 200:
            msg = f"HTTP {resp.status}: {body[:200]!r}"
            raise RuntimeError(msg)
        answer = json.loads(body)
        action = str(answer.get("action", ""))
        if not action:
            msg = f"no action in answer: {body[:200]!r}"
            raise RuntimeError(msg)
        live = live_score(float(answer.get("score", 0.0)), answer.get("symbols") or {})
        return Answer(action, action != "no action", action == "reject",
                      flagged_live=live >= RSPAMD_GREYLIST)
    return check


# ---------------------------------------------------------------- SpamAssassin


@contextmanager
def _spamd() -> Iterator[_Daemon]:
    rules = Path("/usr/share/spamassassin")
    if not any(rules.glob("*.cf")) and not any(Path("/var/lib/spamassassin").rglob("*.cf")):
        # sa-update would download rules; this benchmark downloads nothing.
        msg = "no SpamAssassin rules installed (/usr/share/spamassassin is empty)"
        raise FilterUnavailable(msg)
    workdir = Path(tempfile.mkdtemp(prefix="tc-spamd-"))
    os.chmod(workdir, 0o755)
    site, home = workdir / "site", workdir / "home"
    site.mkdir()
    home.mkdir()
    for pre in Path("/etc/spamassassin").glob("*.pre"):
        shutil.copy(pre, site / pre.name)
    shutil.copy(CONFIG_DIR / "spamassassin" / "local.cf", site / "local.cf")
    port = _free_port()
    user = _daemon_user("debian-spamd", fallback="nobody")
    if user:
        _give_to(home, user)
    version = subprocess.run(["spamd", "--version"], capture_output=True, text=True,
                             check=False).stdout.splitlines()[:1]
    cmd = ["spamd", "--local", "--nouser-config",
           "--listen", f"{LOOPBACK}:{port}", "--allowed-ips", LOOPBACK,
           "--max-children", "1", "--min-children", "1", "--min-spare", "1",
           "--max-spare", "1", "--siteconfigpath", str(site),
           "--helper-home-dir", str(home), "--syslog", str(workdir / "spamd.log"),
           "--pidfile", str(workdir / "spamd.pid")]
    if user:
        cmd += ["--username", user]
    log = (workdir / "stdout.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    daemon = _Daemon(proc, port, workdir, " ".join(version))
    try:
        _wait_for_port(port, proc, STARTUP_TIMEOUT)
        yield daemon
    except FilterUnavailable as exc:
        msg = f"{exc}; log: {_tail(workdir / 'spamd.log') or _tail(workdir / 'stdout.log')}"
        raise FilterUnavailable(msg) from None
    finally:
        _stop(proc)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _spamd_check(port: int) -> Callable[[bytes], Answer]:
    def check(raw: bytes) -> Answer:
        # spamc protocol: CHECK returns only the verdict header "Spam: True ; 7.1 / 5.0".
        head = f"CHECK SPAMC/1.5\r\nContent-length: {len(raw)}\r\n\r\n".encode()
        chunks = []
        with socket.create_connection((LOOPBACK, port), timeout=REQUEST_TIMEOUT) as s:
            s.sendall(head + raw)
            s.shutdown(socket.SHUT_WR)
            while chunk := s.recv(65536):
                chunks.append(chunk)
        reply = b"".join(chunks).decode("latin-1")
        status = reply.split("\r\n", 1)[0]
        if not status.startswith("SPAMD/") or " 0 " not in f"{status} ":
            msg = f"spamd answered {status!r}"
            raise RuntimeError(msg)
        found = re.search(r"^Spam:\s*(True|False|Yes|No)\b", reply, re.MULTILINE | re.IGNORECASE)
        if not found:
            msg = f"no Spam header in {reply[:200]!r}"
            raise RuntimeError(msg)
        spam = found.group(1).lower() in ("true", "yes")
        return Answer("spam" if spam else "ham", spam)
    return check


# ---------------------------------------------------------------- runs


def _corpus_files(corpora: Path, limit: int | None) -> list[tuple[Corpus, list[Path]]]:
    chosen = []
    for corpus in CORPORA:
        folder = corpora / corpus.name
        if folder.is_dir():
            chosen.append((corpus, message_files(folder)[:limit]))
    return chosen


def _run_daemon_filter(name: str, corpora: list[tuple[Corpus, list[Path]]],
                       install: bool) -> FilterRun:
    run = FilterRun(name)
    try:
        _ensure_installed(name, install)
        starter = _rspamd if name == "rspamd" else _spamd
        with starter() as daemon:
            run.note = daemon.version
            check = (_rspamd_check if name == "rspamd" else _spamd_check)(daemon.port)
            # Warm-up outside the timing: first messages pay for lazy loading.
            for _corpus, files in corpora[:1]:
                for path in files[:5]:
                    with suppress(Exception):
                        check(path.read_bytes())
            for corpus, files in corpora:
                tally = run.tallies.setdefault(corpus.name, Tally())
                for path in files:
                    raw = path.read_bytes()
                    start = time.perf_counter()
                    try:
                        answer = check(raw)
                    except Exception as exc:  # counted, reported, never fatal
                        tally.errors += 1
                        print(f"{name} ERROR {corpus.name}/{path.name}: "
                              f"{type(exc).__name__}: {exc}", file=sys.stderr)
                        continue
                    tally.latencies.append(time.perf_counter() - start)
                    tally.answers[answer.label] += 1
                    tally.flagged += answer.flagged
                    tally.rejected += answer.rejected
                    tally.flagged_live += bool(answer.flagged_live)
            run.peak_mib = _peak_mib(_session_pids(os.getsid(daemon.proc.pid)))
    except FilterUnavailable as exc:
        run.skipped = str(exc)
        print(f"compare_filters: {name} skipped: {exc}", file=sys.stderr)
    return run


def _run_trustcheck(corpora: list[tuple[Corpus, list[Path]]], root: Path,
                    limit: int | None) -> FilterRun:
    run = FilterRun("trustcheck", note=f"trustcheck {_trustcheck_version()}")
    for corpus, _files in corpora:
        result = evaluate(corpus, root / corpus.name, limit)
        run.tallies[corpus.name] = Tally(
            flagged=result.flagged, errors=result.errors,
            answers=Counter(result.statuses), latencies=list(result.latencies))
    # ru_maxrss is the whole process: trustcheck plus this small driver.
    run.peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return run


def _trustcheck_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("trustcheck")
    except PackageNotFoundError:
        return "(not installed)"


def _share(n: int, total: int) -> float:
    return 100 * n / max(total, 1)


def _report(runs: list[FilterRun], corpora: list[tuple[Corpus, list[Path]]]) -> None:
    active = [r for r in runs if not r.skipped]
    head = f"{'corpus':<28}{'kind':<9}{'msgs':>6}"
    for r in active:
        head += f"{r.name + ' flagged':>22}"
        if r.name == "rspamd":
            head += f"{'rspamd reject':>15}{'rspamd live':>13}"
    print(head)
    for corpus, files in corpora:
        line = f"{corpus.name:<28}{corpus.kind:<9}{len(files):>6}"
        for r in active:
            t = r.tallies.get(corpus.name, Tally())
            err = f" ({t.errors} err)" if t.errors else ""
            line += f"{f'{_share(t.flagged, t.messages):.1f}%{err}':>22}"
            if r.name == "rspamd":
                line += f"{_share(t.rejected, t.messages):>14.1f}%"
                line += f"{_share(t.flagged_live, t.messages):>12.1f}%"
        print(line)
    print()
    print(f"{'filter':<14}{'msgs':>7}{'errors':>8}{'msg/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'peak MiB':>10}  version")
    for r in active:
        n = sum(t.messages for t in r.tallies.values())
        errors = sum(t.errors for t in r.tallies.values())
        print(f"{r.name:<14}{n:>7}{errors:>8}{r.rate():>9.1f}{r.percentile_ms(0.5):>9.2f}"
              f"{r.percentile_ms(0.99):>9.2f}{r.peak_mib:>10.0f}  {r.note}")
    for r in runs:
        if r.skipped:
            print(f"{r.name}: skipped ({r.skipped})")
    _acceptance(runs, corpora)


def _acceptance(runs: list[FilterRun], corpora: list[tuple[Corpus, list[Path]]]) -> None:
    """The issue's acceptance lines: detection, false positives, speed."""
    by_name = {r.name: r for r in runs if not r.skipped}
    tc = by_name.get("trustcheck")
    others = [r for r in by_name.values() if r.name != "trustcheck"]
    if tc is None or not others:
        return
    print("\nacceptance (this run):")
    for corpus, _files in corpora:
        if corpus.kind not in ("phishing", "ham"):
            continue
        mine = tc.tallies[corpus.name]
        ours = _share(mine.flagged, mine.messages)
        for other in others:
            t = other.tallies[corpus.name]
            readings = [(other.name, _share(t.flagged, t.messages))]
            if other.name == "rspamd":
                readings.append(("rspamd live", _share(t.flagged_live, t.messages)))
            for label, theirs in readings:
                ok = ours >= theirs if corpus.kind == "phishing" else ours <= theirs
                sign = ">=" if corpus.kind == "phishing" else "<="
                print(f"  {corpus.name:<28} trustcheck {ours:5.1f}% {sign} {label} "
                      f"{theirs:5.1f}%: {'yes' if ok else 'NO'}")
    if "rspamd" in by_name:
        ratio = tc.rate() / max(by_name["rspamd"].rate(), 1e-9)
        print(f"  speed: trustcheck {tc.rate():.1f} msg/s = {ratio:.2f}x rspamd "
              f"{by_name['rspamd'].rate():.1f} msg/s (target >= 2x): "
              f"{'yes' if ratio >= 2 else 'NO'}")


def _as_json(runs: list[FilterRun]) -> str:
    return json.dumps([{
        "filter": r.name, "skipped": r.skipped, "version": r.note,
        "messages_per_second": r.rate(), "p50_ms": r.percentile_ms(0.5),
        "p99_ms": r.percentile_ms(0.99), "peak_mib": r.peak_mib,
        "corpora": {name: {
            "messages": t.messages, "flagged": t.flagged, "errors": t.errors,
            "flagged_share": t.flagged / max(t.messages, 1),
            "rejected": t.rejected, "flagged_live": t.flagged_live,
            "answers": dict(t.answers),
        } for name, t in r.tallies.items()},
    } for r in runs], indent=2)


def _parse_filters(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = sorted(set(names) - set(FILTERS))
    if unknown or not names:
        msg = f"unknown filter(s) {', '.join(unknown) or '(none)'}; choose from {','.join(FILTERS)}"
        raise argparse.ArgumentTypeError(msg)
    return names


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected filters over the corpora and print the comparison."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--limit", type=int, help="at most N messages per corpus")
    parser.add_argument("--filters", type=_parse_filters, default=list(FILTERS),
                        help="comma-separated subset of " + ",".join(FILTERS))
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--no-install", action="store_true",
                        help="skip a filter whose Debian packages are missing")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    if not args.corpora.is_dir():
        print(f"compare_filters: {args.corpora} not found; nothing to compare (skipped).")
        return 0
    corpora = _corpus_files(args.corpora, args.limit)
    if not corpora:
        print(f"compare_filters: no known corpus under {args.corpora} (skipped).")
        return 0

    runs = []
    # trustcheck first, so its peak memory is not inflated by anything else;
    # then each daemon alone on the machine.
    for name in FILTERS:
        if name not in args.filters:
            continue
        if name == "trustcheck":
            runs.append(_run_trustcheck(corpora, args.corpora, args.limit))
        else:
            runs.append(_run_daemon_filter(name, corpora, not args.no_install))
    if args.json:
        print(_as_json(runs))
    else:
        _report(runs, corpora)
    return 0


if __name__ == "__main__":
    sys.exit(main())
