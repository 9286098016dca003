"""A private Postfix instance and a trustcheck milter process, both on 127.0.0.1.

Used by tests/gateway/test_postfix.py and benchmarks/gateway_load.py (import it as
``gateway_harness`` with tests/gateway on sys.path; tests/gateway/conftest.py does that).

Postfix runs from its own ``config_directory`` / ``queue_directory`` / ``data_directory``
under a temporary directory (``postfix -c DIR start``): its smtpd listens on
127.0.0.1 at a free high port (master.cf), every service runs unchrooted, and
mail for the test domain goes through the ``virtual`` delivery agent into one
Maildir under the temporary directory, which the test reads. The system Postfix
(if any) is never touched. A milter quarantine lands in this instance's hold queue.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = "gw.test"
RCPT = f"minji@{DOMAIN}"

_MASTER_CF = """\
# service type private unpriv chroot wakeup maxproc command
127.0.0.1:{port} inet n - n - {smtpd_procs} smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

_MAIN_CF = """\
compatibility_level = 3.6
config_directory = {root}/etc
queue_directory = {root}/spool
data_directory = {root}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.{domain}
mydomain = {domain}
myorigin = $mydomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains =
virtual_mailbox_domains = {domain}
virtual_mailbox_base = {root}/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
virtual_minimum_uid = 1
local_transport = error:no local delivery in tests
default_transport = error:no outbound mail in tests
smtpd_milters = {milter}
non_smtpd_milters =
milter_default_action = {default_action}
milter_protocol = 6
milter_connect_timeout = 5s
milter_command_timeout = 10s
milter_content_timeout = 30s
smtpd_recipient_restrictions = permit_mynetworks, reject
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
anvil_rate_time_unit = 60s
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_banner = $myhostname ESMTP
biff = no
maillog_file = {root}/maillog
maillog_file_prefixes = {root}
alias_maps =
alias_database =
default_process_limit = 100
qmgr_message_active_limit = 20000
in_flow_delay = 0
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 20.0) -> None:
    """Wait until something accepts TCP connections on 127.0.0.1:port."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    msg = f"nothing listening on 127.0.0.1:{port} after {timeout} s"
    raise TimeoutError(msg)


def postfix_available() -> str | None:
    """None when Postfix can run here, else why not (for pytest.skip)."""
    if shutil.which("postfix") is None and not Path("/usr/sbin/postfix").exists():
        return "Postfix not installed (scripts/test.sh installs it as root)"
    if os.geteuid() != 0:
        return "a private Postfix instance needs root (it drops to the postfix user)"
    try:
        pwd.getpwnam("postfix")
    except KeyError:
        return "no postfix system user"
    return None


def milter_available() -> str | None:
    """None when pymilter imports, else why not."""
    try:
        import Milter  # noqa: F401
    except ImportError:
        return "pymilter not installed (pip install -e '.[gateway]')"
    return None


@dataclass
class Postfix:
    """One private Postfix instance under ``root`` (``milter_port=0``: no milter)."""

    root: Path
    milter_port: int
    default_action: str = "tempfail"
    smtpd_procs: int = 20
    port: int = field(default_factory=free_port)

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    @property
    def maildir(self) -> Path:
        return self.root / "mail" / "inbox"

    def start(self) -> None:
        pw = pwd.getpwnam("postfix")
        for d in ("etc", "spool", "data", "mail"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        os.chown(self.root / "data", pw.pw_uid, pw.pw_gid)
        os.chown(self.root / "mail", pw.pw_uid, pw.pw_gid)
        os.chmod(self.root, 0o755)  # the postfix user must traverse to its dirs
        (self.etc / "main.cf").write_text(_MAIN_CF.format(
            root=self.root, domain=DOMAIN, uid=pw.pw_uid, gid=pw.pw_gid,
            milter=f"inet:127.0.0.1:{self.milter_port}" if self.milter_port else "",
            default_action=self.default_action))
        (self.etc / "master.cf").write_text(_MASTER_CF.format(port=self.port,
                                                              smtpd_procs=self.smtpd_procs))
        self._postfix("check")
        self._postfix("start")
        wait_port(self.port)

    def stop(self) -> None:
        """Stop the instance and make sure no process of it is left."""
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            self._postfix("stop")
        pid_file = self.root / "spool" / "pid" / "master.pid"
        end = time.monotonic() + 10
        while pid_file.exists() and time.monotonic() < end:
            try:
                pid = int(pid_file.read_text().strip())
                os.kill(pid, 0)
            except (ValueError, ProcessLookupError, OSError):
                break
            time.sleep(0.1)
        else:
            with contextlib.suppress(ValueError, OSError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)

    def _postfix(self, command: str) -> None:
        env = {**os.environ, "MAIL_CONFIG": str(self.etc)}
        subprocess.run(["postfix", "-c", str(self.etc), command], check=True, env=env,
                       capture_output=True, timeout=60)

    # -- what happened

    def delivered(self) -> list[Path]:
        new = self.maildir / "new"
        return sorted(new.iterdir()) if new.exists() else []

    def held(self) -> list[Path]:
        hold = self.root / "spool" / "hold"
        return sorted(hold.iterdir()) if hold.exists() else []

    def queued(self) -> int:
        """Messages still in Postfix's queues (incoming, active, deferred, maildrop)."""
        n = 0
        for q in ("incoming", "active", "deferred", "maildrop"):
            d = self.root / "spool" / q
            if d.exists():
                n += sum(len(files) for _, _, files in os.walk(d))
        return n

    def wait_idle(self, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while self.queued() and time.monotonic() < end:
            time.sleep(0.1)

    def maillog(self) -> str:
        p = self.root / "maillog"
        return p.read_text(errors="replace") if p.exists() else ""


def read_delivered(path: Path) -> list[tuple[str, str]]:
    """The header fields of a delivered message, in order, unfolded."""
    msg = BytesHeaderParser(policy=default_policy).parsebytes(path.read_bytes())
    return [(k, " ".join(str(v).split())) for k, v in msg.items()]


def find_by_header(paths: list[Path], name: str, value: str) -> Path | None:
    for p in paths:
        for k, v in read_delivered(p):
            if k.lower() == name.lower() and v == value:
                return p
    return None


@dataclass
class MilterProcess:
    """``trustcheck milter`` as a child process on 127.0.0.1:port."""

    config: Path
    port: int = field(default_factory=free_port)
    log: Path | None = None
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with (open(self.log, "ab") if self.log else open(os.devnull, "wb")) as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "trustcheck", "milter", "--config", str(self.config),
                 "--listen", f"inet:127.0.0.1:{self.port}"],
                stdout=out, stderr=out, cwd=ROOT)
        wait_port(self.port)

    def kill(self) -> None:
        """SIGKILL: the crash case (no graceful shutdown)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def signal(self, signum: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(signum)

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL if it does not exit in 15 s; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode


@dataclass(frozen=True)
class SendResult:
    """What the SMTP client saw for one message."""

    tag: str
    outcome: str
    """``accepted``, ``rejected`` (5xx), ``tempfailed`` (4xx) or ``error`` (connection)."""
    code: int | None
    text: str
    seconds: float


def send(port: int, raw: bytes, *, tag: str, mail_from: str = "bounces@examplepay.example",
         helo: str = "mx.examplepay.example", client: smtplib.SMTP | None = None) -> SendResult:
    """Send one message to 127.0.0.1:port and classify the server's answer."""
    start = time.monotonic()
    own = client is None
    try:
        smtp = client or smtplib.SMTP("127.0.0.1", port, local_hostname=helo, timeout=60)
        try:
            smtp.sendmail(mail_from, [RCPT], raw)
            outcome, code, text = "accepted", 250, ""
        finally:
            if own:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    smtp.quit()
    except smtplib.SMTPDataError as exc:
        outcome, code, text = _classify(exc.smtp_code, exc.smtp_error)
    except smtplib.SMTPRecipientsRefused as exc:
        c, t = next(iter(exc.recipients.values()))
        outcome, code, text = _classify(c, t)
    except smtplib.SMTPResponseException as exc:
        outcome, code, text = _classify(exc.smtp_code, exc.smtp_error)
    except (smtplib.SMTPException, OSError) as exc:
        outcome, code, text = "error", None, str(exc)
    return SendResult(tag, outcome, code, text, time.monotonic() - start)


def _classify(code: int, text: bytes | str) -> tuple[str, int, str]:
    t = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return ("rejected" if 500 <= code < 600 else "tempfailed"), code, t


def tagged(raw: bytes, tag: str) -> bytes:
    """``raw`` with an ``X-Test-Id`` header on top, to find it again after delivery."""
    return f"X-Test-Id: {tag}\r\n".encode() + raw


def write_config(path: Path, **values: object) -> Path:
    """Write a gateway TOML file from keyword values (tables as nested dicts)."""
    lines: list[str] = []
    tables: list[str] = []
    for key, value in values.items():
        if isinstance(value, dict):
            tables.append(f"\n[{key}]")
            tables += [f"{k} = {_toml(v)}" for k, v in value.items()]
        else:
            lines.append(f"{key} = {_toml(value)}")
    path.write_text("\n".join(lines + tables) + "\n")
    return path


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


@contextlib.contextmanager
def gateway(tmp: Path, config: Path, *, default_action: str = "tempfail",
            smtpd_procs: int = 20) -> Iterator[tuple[Postfix, MilterProcess]]:
    """A running milter and a Postfix instance that uses it; both stopped at exit."""
    milter = MilterProcess(config, log=tmp / "milter.log")
    # Postfix drops to the postfix user, which must reach its directories: pytest's
    # tmp_path is 0700, so the instance lives in its own world-traversable temp dir.
    root = Path(tempfile.mkdtemp(prefix="trustcheck-postfix-"))
    root.chmod(0o755)
    postfix = Postfix(root, milter.port, default_action=default_action,
                      smtpd_procs=smtpd_procs)
    try:
        milter.start()
        postfix.start()
        yield postfix, milter
    finally:
        try:
            postfix.stop()
            milter.stop()
        finally:
            with contextlib.suppress(OSError):
                shutil.copy(root / "maillog", tmp / "maillog")
            shutil.rmtree(root, ignore_errors=True)


def held_tags(postfix: Postfix, prefix: str) -> set[str]:
    """``X-Test-Id`` values of the messages in the hold queue (read as bytes, as root)."""
    tags = set()
    for path in postfix.held():
        for m in re.finditer(rb"X-Test-Id: (" + re.escape(prefix.encode()) + rb"[0-9]+)",
                             path.read_bytes()):
            tags.add(m.group(1).decode())
    return tags


def delivered_tags(postfix: Postfix, prefix: str) -> set[str]:
    """``X-Test-Id`` values of the delivered messages."""
    tags = set()
    for path in postfix.delivered():
        for k, v in read_delivered(path):
            if k == "X-Test-Id" and v.startswith(prefix):
                tags.add(v)
    return tags


def run_load(postfix: Postfix, milter: MilterProcess | None,
             kinds: Sequence[tuple[bytes, dict[str, str]]], *, total: int, clients: int,
             kill_at: int | None = None, restart_at: int | None = None,
             prefix: str = "load-") -> dict[str, float]:
    """Send ``total`` messages (cycling through ``kinds``) with ``clients`` threads.

    Every message is accounted for by its ``X-Test-Id``: the client saw 250
    (then it must be delivered or held), 5xx (rejected) or 4xx (tempfailed).
    ``lost`` counts accepted messages found neither in the Maildir nor in the hold
    queue. With ``kill_at`` the milter is SIGKILLed after that many sends and
    restarted after ``restart_at``; Postfix answers 4xx meanwhile
    (milter_default_action = tempfail). Latencies are per SMTP transaction
    (connect to QUIT) as the client saw them.
    """
    lock = threading.Lock()
    count = Counter[str]()

    def one(i: int) -> SendResult:
        raw, env = kinds[i % len(kinds)]
        tag = f"{prefix}{i}"
        r = send(postfix.port, tagged(raw, tag), tag=tag, **env)
        with lock:
            count["n"] += 1
            n = count["n"]
        if milter is not None and kill_at is not None and n == kill_at:
            milter.kill()
        if milter is not None and restart_at is not None and n == restart_at:
            milter.start()
        return r

    start = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(total)))
    elapsed = time.monotonic() - start
    postfix.wait_idle(300)
    outcomes = Counter(r.outcome for r in results)
    accepted = {r.tag for r in results if r.outcome == "accepted"}
    delivered = delivered_tags(postfix, prefix) & accepted
    held = held_tags(postfix, prefix) & accepted
    latencies = sorted(r.seconds for r in results if r.outcome != "error")

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0

    return {
        "sent": total,
        "accepted": outcomes["accepted"],
        "rejected": outcomes["rejected"],
        "tempfailed": outcomes["tempfailed"],
        "errors": outcomes["error"],
        "delivered": len(delivered),
        "held": len(held),
        "lost": len(accepted - delivered - held),
        "seconds": round(elapsed, 2),
        "messages_per_second": round(total / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(pct(0.50) * 1000, 1),
        "p99_ms": round(pct(0.99) * 1000, 1),
    }
