"""Gateway counters in the Prometheus text exposition format, served on loopback only.

Thread-safe: milter sessions run on libmilter's threads and all update one
:class:`Metrics`. :func:`serve_metrics` answers ``GET /metrics`` from a daemon thread.
"""

from __future__ import annotations

import bisect
import ipaddress
import socket
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from trustcheck.errors import ConfigError

__all__ = ["LATENCY_BUCKETS", "Metrics", "serve_metrics"]

#: Seconds; upper bounds of the latency histogram buckets (+Inf is implicit).
LATENCY_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                                      5.0, 10.0, 30.0)


class Metrics:
    """Messages by status and action, errors by kind, and verdict latency."""

    def __init__(self, buckets: Sequence[float] = LATENCY_BUCKETS) -> None:
        self._lock = threading.Lock()
        self._buckets = tuple(sorted(buckets))
        self._bucket_counts = [0] * (len(self._buckets) + 1)
        self._latency_sum = 0.0
        self._messages: dict[tuple[str, str], int] = {}
        self._errors: dict[str, int] = {}
        self._reloads = 0

    def observe(self, *, status: str, action: str, seconds: float) -> None:
        """Count one finished message."""
        with self._lock:
            key = (status, action)
            self._messages[key] = self._messages.get(key, 0) + 1
            self._bucket_counts[bisect.bisect_left(self._buckets, seconds)] += 1
            self._latency_sum += seconds

    def error(self, kind: str) -> None:
        """Count one internal error (``timeout``, ``exception``, ``too_large``, ``milter``)."""
        with self._lock:
            self._errors[kind] = self._errors.get(kind, 0) + 1

    def reloaded(self) -> None:
        """Count one successful configuration reload."""
        with self._lock:
            self._reloads += 1

    @property
    def total(self) -> int:
        """Messages counted so far."""
        with self._lock:
            return sum(self._messages.values())

    def render(self) -> str:
        """The counters in Prometheus text format (version 0.0.4)."""
        with self._lock:
            lines = [
                "# HELP trustcheck_messages_total Messages checked, by verdict status and action.",
                "# TYPE trustcheck_messages_total counter",
            ]
            lines += [f'trustcheck_messages_total{{status="{s}",action="{a}"}} {n}'
                      for (s, a), n in sorted(self._messages.items())]
            lines += [
                "# HELP trustcheck_errors_total Messages that got the fail-safe action, by cause.",
                "# TYPE trustcheck_errors_total counter",
            ]
            lines += [f'trustcheck_errors_total{{kind="{k}"}} {n}'
                      for k, n in sorted(self._errors.items())]
            lines += [
                "# HELP trustcheck_reloads_total Successful configuration reloads (SIGHUP).",
                "# TYPE trustcheck_reloads_total counter",
                f"trustcheck_reloads_total {self._reloads}",
                "# HELP trustcheck_verdict_seconds Time from end of message to decision.",
                "# TYPE trustcheck_verdict_seconds histogram",
            ]
            cumulative = 0
            for bound, count in zip(self._buckets, self._bucket_counts, strict=False):
                cumulative += count
                lines.append(f'trustcheck_verdict_seconds_bucket{{le="{bound:g}"}} {cumulative}')
            cumulative += self._bucket_counts[-1]
            lines += [
                f'trustcheck_verdict_seconds_bucket{{le="+Inf"}} {cumulative}',
                f"trustcheck_verdict_seconds_sum {self._latency_sum:.6f}",
                f"trustcheck_verdict_seconds_count {cumulative}",
            ]
        return "\n".join(lines) + "\n"


def serve_metrics(metrics: Metrics, host: str, port: int) -> ThreadingHTTPServer:
    """Serve ``metrics`` on ``http://host:port/metrics`` from a daemon thread.

    Only loopback addresses are accepted. Stop it with ``server.shutdown()``;
    ``server.server_address`` has the port actually bound (``port=0`` picks one).
    """
    if not ipaddress.ip_address(host).is_loopback:
        msg = f"The metrics endpoint binds to loopback only, not {host}."
        raise ConfigError(msg)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != "/metrics":
                self.send_error(404)
                return
            body = metrics.render().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            del format, args  # scrapes are not message events: keep the log one line/message

    if ":" in host:
        class Server6(ThreadingHTTPServer):
            address_family = socket.AF_INET6
        server: ThreadingHTTPServer = Server6((host, port), Handler)
    else:
        server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="trustcheck-metrics",
                     daemon=True).start()
    return server
