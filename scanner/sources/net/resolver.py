"""The system resolver, bounded: what any program on this computer gets for a name, and how fast."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from scanner.evidence.web import Lookup
from scanner.sources.net.web import describe


def lookup(host: str, port: int, *, timeout: float) -> Lookup:
    """The system resolver's addresses for host, as any program on this computer would get them.

    getaddrinfo has no timeout of its own: it runs in a daemon thread that is abandoned after `timeout`."""
    t0 = time.monotonic()
    box: dict[str, Any] = {}

    def ask() -> None:
        try:
            box["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            box["error"] = exc

    worker = threading.Thread(target=ask, daemon=True, name=f"lookup-{host}")
    worker.start()
    worker.join(timeout)
    took = time.monotonic() - t0
    if worker.is_alive():
        return Lookup(host=host, seconds=took, error=f"no DNS answer within {timeout:g} s")
    if "error" in box:
        return Lookup(host=host, seconds=took, error=describe(box["error"], timeout))
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in box["infos"]))
    return Lookup(host=host, addresses=addresses, seconds=took)
