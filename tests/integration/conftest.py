"""A real authoritative DNS server (NSD) on 127.0.0.1 for the integration tests.

Why NSD: it runs in the foreground (``-d``) from one config file in a temporary
directory, needs no database (``database: ""``), no privileges (``username:
""``, any port above 1024) and no control socket; a zone whose file is missing
is still configured and answered with SERVFAIL, which gives a real server
failure. Knot needs a writable storage/rundir layout and a control socket for
the same result.

The session fixture :func:`dns_server`:

1. finds ``nsd``; if missing, runs ``apt-get install -y nsd`` when running as
   root and ``TRUSTCHECK_NO_APT`` is unset, else skips with the reason;
2. writes nsd.conf and the zones into a temporary directory: every
   ``fixtures/dns/zones/*.zone`` (zone name = file name), plus ``diff.test``
   generated from ``fixtures/dns/differential.yaml`` (the StaticResolver
   mapping, so the differential test feeds both resolvers the same data), plus
   one zone per SERVFAIL name whose file does not exist;
3. starts nsd bound only to 127.0.0.1 on a free port and waits until it
   answers;
4. puts a small UDP/TCP *front* before it, also on 127.0.0.1: the front
   forwards every query to nsd except those that must time out (names under
   ``slow.example.test`` and names the differential fixture marks TIMEOUT),
   which it reads and drops. A stub resolver pointed at the front therefore
   sees answers, NXDOMAIN, no data, SERVFAIL (nsd: zone failed to load),
   SERVFAIL from REFUSED (nsd: zone not served) and real timeouts;
5. stops the front and nsd at the end of the session, whatever happened.
"""

from __future__ import annotations

import os
import shutil
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.exception
import dns.message
import dns.query
import dns.rdatatype
import pytest

from trustcheck.dns import Outcome, StaticResolver
from trustcheck.dns.fixtures import DNSFixture, read_fixture

ROOT = Path(__file__).resolve().parents[2]
ZONES = ROOT / "fixtures" / "dns" / "zones"
DIFFERENTIAL = ROOT / "fixtures" / "dns" / "differential.yaml"
DIFF_ORIGIN = "diff.test"
#: Zones configured with a missing file: NSD answers SERVFAIL for them.
BROKEN_ZONES = ("broken.example.test",)
#: Names the front drops (with every name below them).
SLOW_SUFFIXES = ("slow.example.test",)


@dataclass
class DnsServer:
    """Where the test server listens and what it saw."""

    port: int
    """The front: answers, faults and timeouts (point resolvers here)."""
    nsd_port: int
    """NSD itself, without the front (no timeouts)."""
    fixture: DNSFixture
    forwarded: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Queries the front passed to NSD, by (name, type): the network's view."""
    dropped: Counter[tuple[str, str]] = field(default_factory=Counter)
    host: str = "127.0.0.1"


# -- zone generation from the StaticResolver mapping -------------------------


def zone_from_mapping(origin: str, zone: Mapping[str, Any], ttl: int) -> tuple[str, list[str]]:
    """Zone-file text for ``origin`` from a StaticResolver mapping; also the SERVFAIL names.

    TIMEOUT entries produce no records (the front drops their queries). A type
    mapped to SERVFAIL or NXDOMAIN cannot be served by an authoritative server
    and is refused here, so the differential fixture stays exact.
    """
    lines = [f"$ORIGIN {origin}.", f"$TTL {ttl}"]
    apex = zone.get(origin, {})
    if not isinstance(apex, Mapping) or "SOA" not in apex or "NS" not in apex:
        msg = f"{origin}: the mapping must give the apex SOA and NS records"
        raise ValueError(msg)
    servfail: list[str] = []
    for raw_name, entry in zone.items():
        name = raw_name.rstrip(".").lower()
        if name != origin and not name.endswith("." + origin):
            msg = f"{raw_name}: outside {origin}"
            raise ValueError(msg)
        if entry == "SERVFAIL":
            servfail.append(name)
            continue
        if entry in ("TIMEOUT", "NXDOMAIN"):
            continue
        for rdtype, records in entry.items():
            if rdtype == "*" and records == "TIMEOUT":
                continue
            if isinstance(records, str):
                if records != "TIMEOUT":
                    msg = f"{raw_name} {rdtype}: {records} cannot be served by a zone"
                    raise ValueError(msg)
                continue
            lines.extend(
                f"{name}. IN {rdtype.upper()} {_rdata(rdtype.upper(), r)}" for r in records
            )
    return "\n".join(lines) + "\n", servfail


def _rdata(rdtype: str, record: Any) -> str:
    if rdtype == "TXT":
        parts = [record] if isinstance(record, str | bytes) else list(record)
        return " ".join(_quoted(p.encode() if isinstance(p, str) else p) for p in parts)
    if rdtype == "MX":
        pref, host = record.split()
        return f"{pref} {host.rstrip('.')}."
    if rdtype in ("CNAME", "NS", "PTR"):
        return record.rstrip(".") + "."
    return str(record)  # A, AAAA, SOA: already in zone-file form


def _quoted(octets: bytes) -> str:
    if len(octets) > 255:
        msg = f"TXT string of {len(octets)} octets: split it in the fixture (max 255)"
        raise ValueError(msg)
    out = []
    for b in octets:
        if b in (0x22, 0x5C):
            out.append("\\" + chr(b))
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\{b:03d}")  # RFC 1035 §5.1 \DDD
    return '"' + "".join(out) + '"'


# -- the front: forward or drop ----------------------------------------------


def _question(wire: bytes) -> tuple[str, str] | None:
    try:
        q = dns.message.from_wire(wire).question[0]
    except Exception:
        return None
    return q.name.to_text().rstrip(".").lower(), dns.rdatatype.to_text(q.rdtype)


def _make_front(server: DnsServer, timeouts: StaticResolver) -> tuple[Any, Any]:
    def drop(key: tuple[str, str] | None) -> bool:
        if key is None:
            return False
        name, rdtype = key
        if any(name == s or name.endswith("." + s) for s in SLOW_SUFFIXES):
            return True
        try:
            return timeouts.resolve(name, rdtype).outcome is Outcome.TIMEOUT
        except ValueError:
            return False

    def count(key: tuple[str, str] | None, dropped: bool) -> None:
        if key is not None:
            (server.dropped if dropped else server.forwarded)[key] += 1

    class Udp(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            wire, sock = self.request
            key = _question(wire)
            dropped = drop(key)
            count(key, dropped)
            if dropped:
                return
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as up:
                up.settimeout(3)
                up.sendto(wire, ("127.0.0.1", server.nsd_port))
                try:
                    reply = up.recv(65535)
                except TimeoutError:
                    return
            sock.sendto(reply, self.client_address)

    class Tcp(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            conn: socket.socket = self.request
            conn.settimeout(5)
            try:
                size = int.from_bytes(_read(conn, 2), "big")
                wire = _read(conn, size)
            except (OSError, EOFError):
                return
            key = _question(wire)
            dropped = drop(key)
            count(key, dropped)
            if dropped:
                return
            with socket.create_connection(("127.0.0.1", server.nsd_port), timeout=3) as up:
                up.sendall(len(wire).to_bytes(2, "big") + wire)
                head = _read(up, 2)
                body = _read(up, int.from_bytes(head, "big"))
            conn.sendall(head + body)

    class UdpServer(socketserver.ThreadingUDPServer):
        daemon_threads = True

    class TcpServer(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    for _ in range(20):
        udp = UdpServer(("127.0.0.1", 0), Udp)
        port = udp.server_address[1]
        try:
            tcp = TcpServer(("127.0.0.1", port), Tcp)
        except OSError:
            udp.server_close()
            continue
        return udp, tcp
    pytest.fail("no free port pair for the DNS front on 127.0.0.1")


def _read(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


# -- nsd ---------------------------------------------------------------------


def _nsd() -> str:
    found = shutil.which("nsd") or ("/usr/sbin/nsd" if Path("/usr/sbin/nsd").exists() else None)
    if found:
        return found
    if os.environ.get("TRUSTCHECK_NO_APT"):
        pytest.skip("nsd is not installed and TRUSTCHECK_NO_APT is set: apt-get install -y nsd")
    if os.geteuid() != 0:
        pytest.skip("nsd is not installed and we are not root: apt-get install -y nsd")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    done = subprocess.run(
        ["apt-get", "install", "-y", "nsd"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    found = shutil.which("nsd") or ("/usr/sbin/nsd" if Path("/usr/sbin/nsd").exists() else None)
    if done.returncode != 0 or not found:
        pytest.fail(f"apt-get install -y nsd failed ({done.returncode}): {done.stderr[-2000:]}")
    return found


def _free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (nsd binds both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return int(port)
    pytest.fail("no free port on 127.0.0.1")


def _write_config(work: Path, port: int, fixture: DNSFixture) -> None:
    zones: list[tuple[str, str]] = []
    for path in sorted(ZONES.glob("*.zone")):
        shutil.copy(path, work / path.name)
        zones.append((path.name.removesuffix(".zone"), path.name))
    text, servfail = zone_from_mapping(DIFF_ORIGIN, fixture.zone, fixture.ttl)
    (work / f"{DIFF_ORIGIN}.zone").write_text(text, encoding="ascii")
    zones.append((DIFF_ORIGIN, f"{DIFF_ORIGIN}.zone"))
    # Missing files on purpose: NSD keeps the zone and answers SERVFAIL.
    zones.extend((name, f"missing-{name}.zone") for name in (*BROKEN_ZONES, *servfail))
    conf = [
        "server:",
        f"  ip-address: 127.0.0.1@{port}",
        "  do-ip6: no",
        '  username: ""',
        '  chroot: ""',
        f'  zonesdir: "{work}"',
        '  database: ""',
        f'  pidfile: "{work}/nsd.pid"',
        f'  xfrdfile: "{work}/xfrd.state"',
        f'  zonelistfile: "{work}/zone.list"',
        f'  xfrdir: "{work}"',
        f'  logfile: "{work}/nsd.log"',
        "  server-count: 1",
        "  hide-version: yes",
        "  verbosity: 1",
        "remote-control:",
        "  control-enable: no",
    ]
    for name, file in zones:
        conf += ["zone:", f"  name: {name}", f"  zonefile: {file}"]
    (work / "nsd.conf").write_text("\n".join(conf) + "\n", encoding="ascii")


def _wait_until_answering(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    query = dns.message.make_query("example.test.", "SOA")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"nsd exited ({proc.returncode}): {_tail(log)}")
        try:
            reply = dns.query.udp(query, "127.0.0.1", port=port, timeout=0.3)
        except (dns.exception.Timeout, OSError):
            time.sleep(0.1)
            continue
        if reply.answer:
            return
        time.sleep(0.1)
    pytest.fail(f"nsd did not answer on 127.0.0.1:{port} within 15 s: {_tail(log)}")


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-2000:]
    except OSError:
        return "(no log)"


@pytest.fixture(scope="session")
def dns_server() -> Iterator[DnsServer]:
    """NSD plus the forwarding front on 127.0.0.1, for the whole session."""
    binary = _nsd()
    fixture = read_fixture(DIFFERENTIAL)
    with tempfile.TemporaryDirectory(prefix="trustcheck-nsd-") as tmp:
        work = Path(tmp)
        proc: subprocess.Popen[bytes] | None = None
        for _ in range(3):  # the free port may be taken between probe and bind
            port = _free_port()
            _write_config(work, port, fixture)
            checkconf = shutil.which(binary + "-checkconf")
            if checkconf is not None:
                checked = subprocess.run(
                    [checkconf, str(work / "nsd.conf")],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if checked.returncode != 0:
                    pytest.fail(f"nsd.conf does not check: {checked.stdout}{checked.stderr}")
            proc = subprocess.Popen(
                [binary, "-d", "-c", str(work / "nsd.conf")],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(0.2)
            if proc.poll() is None:
                break
        assert proc is not None
        front: tuple[Any, Any] | None = None
        try:
            _wait_until_answering(proc, port, work / "nsd.log")
            server = DnsServer(port=0, nsd_port=port, fixture=fixture)
            front = _make_front(server, fixture.resolver())
            server.port = front[0].server_address[1]
            for srv in front:
                threading.Thread(target=srv.serve_forever, daemon=True).start()
            yield server
        finally:
            if front is not None:
                for srv in front:
                    srv.shutdown()
                    srv.server_close()
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
