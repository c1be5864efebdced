"""Wall time of the dns source for many domains against dnsmasq on 127.0.0.1, beside the slowest
single answer and the sum of all answers (queries run concurrently, so wall time should track the
slowest, not the sum).

Run from the repository root: python bench/dns_bench.py [--domains 200]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from scanner import config
from scanner.sources.dns import QUERIES, collect_dns
from tests.lab.dnsmasq import Records, start_dnsmasq


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


def single(resolver: object, name: str, rtype: str) -> float:
    t0 = time.perf_counter()
    resolver.resolve(name, rtype, raise_on_no_answer=False, search=False)  # type: ignore[attr-defined]
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--domains", type=int, default=200)
    n = ap.parse_args().domains
    with tempfile.TemporaryDirectory(prefix="mdm-bench-dns-") as tmp:
        server = start_dnsmasq(Path(tmp), records(n))
        try:
            domains = [f"d{i:03d}.example-bench.com" for i in range(n)]
            cfg = config.from_dict({"dns": {"nameservers": [f"127.0.0.1:{server.port}"], "domains": domains}})
            collect_dns(cfg, {})  # warm-up
            t0 = time.perf_counter()
            ev = collect_dns(cfg, {})
            wall = time.perf_counter() - t0
            resolver = server.resolver(lifetime=5)
            each = [single(resolver, f"{p}.{d}" if p else d, t) for d in domains for p, t in QUERIES]
        finally:
            server.stop()
    rcodes = sorted({a.rcode for a in ev.primary.answers})
    print("| domains | queries | wall s (concurrent) | slowest single s | sum of singles s | rcodes |")
    print("|--:|--:|--:|--:|--:|---|")
    row = [str(n), str(len(ev.primary.answers)), f"{wall:.3f}", f"{max(each):.4f}", f"{sum(each):.3f}"]
    print(f"| {' | '.join(row)} | {', '.join(rcodes)} |")


if __name__ == "__main__":
    main()
