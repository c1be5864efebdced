"""Wall time of the dns source for many domains against dnsmasq on 127.0.0.1, beside the slowest
single answer and the sum of all answers (queries run concurrently, so wall time should track the
slowest, not the sum).

Run from the repository root: python bench/dns_bench.py [--domains 200]
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository: scanner, and tests.lab for the labs

from scanner import config  # noqa: E402
from scanner.sources.dns import QUERIES, collect_dns  # noqa: E402
from tests.lab.dnsmasq import Records, start_dnsmasq  # noqa: E402


def records(n: int) -> Records:
    out = []
    for i in range(n):
        d = f"d{i:03d}.example-bench.com"
        out += [
            (d, "TXT", f"MS=ms{i:08d}"),
            (d, "MX", (10, f"mail.{d}")),
            (f"enterpriseenrollment.{d}", "CNAME", "enterpriseenrollment-s.manage.microsoft.com"),
            (f"enterpriseregistration.{d}", "CNAME", "enterpriseregistration.windows.net"),
        ]
    return Records(records=tuple(out), auth_zones=("example-bench.com",))


class DelayingProxy:
    """UDP on 127.0.0.1 that forwards each query to `upstream` and answers `delay` seconds later:
    the latency of a real resolver, without leaving the machine."""

    def __init__(self, upstream: int, delay: float) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.upstream, self.delay = upstream, delay
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                data, client = self.sock.recvfrom(4096)
            except OSError:
                return
            threading.Thread(target=self._answer, args=(data, client), daemon=True).start()

    def _answer(self, data: bytes, client: tuple[str, int]) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as up:
            up.settimeout(5)
            up.sendto(data, ("127.0.0.1", self.upstream))
            reply = up.recv(4096)
        time.sleep(self.delay)
        self.sock.sendto(reply, client)

    def close(self) -> None:
        self.sock.close()


def single(resolver: object, name: str, rtype: str) -> float:
    t0 = time.perf_counter()
    resolver.resolve(name, rtype, raise_on_no_answer=False, search=False)  # type: ignore[attr-defined]
    return time.perf_counter() - t0


def measure(port: int, domains: list[str], sample: int | None) -> tuple[float, list[float], list[str]]:
    """Wall time of the source, the single-query times (all, or the first `sample`), the rcodes."""
    cfg = config.from_dict({"dns": {"nameservers": [f"127.0.0.1:{port}"], "domains": domains}})
    collect_dns(cfg, {})  # warm-up
    t0 = time.perf_counter()
    ev = collect_dns(cfg, {})
    wall = time.perf_counter() - t0
    from dns.resolver import Resolver

    resolver = Resolver(configure=False)
    resolver.nameservers, resolver.port, resolver.lifetime = ["127.0.0.1"], port, 5
    asks = [(f"{p}.{d}" if p else d, t) for d in domains for p, t in QUERIES][:sample]
    return (
        wall,
        [single(resolver, name, t) for name, t in asks],
        sorted({a.rcode for a in ev.primary.answers}),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--domains", type=int, default=200)
    ap.add_argument("--delay-ms", type=float, default=50, help="latency the proxy adds to every answer")
    args = ap.parse_args()
    n, domains = args.domains, [f"d{i:03d}.example-bench.com" for i in range(args.domains)]
    queries = n * len(QUERIES)
    print(
        "| domains | queries | answer latency | wall s (concurrent) | slowest single s | sum of singles s |"
    )
    print("|--:|--:|--:|--:|--:|--:|")
    with tempfile.TemporaryDirectory(prefix="mdm-bench-dns-") as tmp:
        server = start_dnsmasq(Path(tmp), records(n))
        proxy = DelayingProxy(server.port, args.delay_ms / 1000)
        try:
            for label, port, sample in (
                ("loopback", server.port, None),
                (f"+{args.delay_ms:g} ms", proxy.port, 20),
            ):
                wall, each, rcodes = measure(port, domains, sample)
                total = (
                    f"{sum(each):.3f}" if sample is None else f"~{sum(each) / len(each) * queries:.1f} (est.)"
                )
                row = [str(n), str(queries), label, f"{wall:.3f}", f"{max(each):.4f}", total]
                print(f"| {' | '.join(row)} | {', '.join(rcodes)} |")
        finally:
            proxy.close()
            server.stop()


if __name__ == "__main__":
    main()
