"""Wall time of the tenant source (realm discovery) for many domains against a local stand-in of the sign-in
service, beside the [scan] timeout: the domains are asked concurrently and paced to finish within about
one timeout, not one per domain. Each answer comes after --delay-ms, the latency of a far-away service.
A second run asks an authority that accepts connections and never answers: it must also cost about one
timeout, however many domains there are.

Run from the repository root: python bench/tenant_bench.py [--domains 200] [--delay-ms 150] [--timeout 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository: scanner, and tests.lab for the labs

from scanner import config  # noqa: E402
from scanner.sources.tenant import collect_tenant  # noqa: E402
from tests.lab.tenant import Domain, TenantLab  # noqa: E402
from tests.lab.web import Request, Route, WebLab  # noqa: E402


def run(authority: str, ca_file: Path, domains: list[str], timeout: float) -> tuple[float, Any]:
    cfg = config.from_dict(
        {
            "site": {"verified_domains": domains},
            "scan": {"timeout": timeout},
            "tenant": {"authority": authority, "ca_file": str(ca_file)},
        }
    )
    t0 = time.perf_counter()
    ev = collect_tenant(cfg, {})
    return time.perf_counter() - t0, ev


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--domains", type=int, default=200)
    parser.add_argument("--delay-ms", type=float, default=150)
    parser.add_argument("--timeout", type=float, default=10)
    args = parser.parse_args()
    domains = [f"d{i:03}.contoso.com" for i in range(args.domains)]
    with tempfile.TemporaryDirectory() as tmp:
        lab = WebLab(Path(tmp))
        stand_in = TenantLab(lab, {}, default=Domain(kind="managed"))
        answer = stand_in._login

        def slow(req: Request) -> Route:
            time.sleep(args.delay_ms / 1000)
            return answer(req)

        slow_server = lab.serve(slow, lab.cert("127.0.0.1"))
        authority = f"https://127.0.0.1:{slow_server.port}"
        run(authority, lab.ca_file, domains[:2], args.timeout)  # warm-up: imports, the first TLS context
        print("| authority | domains | requests | timeout (s) | wall (s) | answered | one at a time (s) |")
        print("|---|---|---|---|---|---|---|")
        took, ev = run(authority, lab.ca_file, domains, args.timeout)
        answered = sum(1 for r in ev.realms if r.namespace == "Managed" and r.tenant_id)
        serial = 2 * args.domains * args.delay_ms / 1000
        requests = len(stand_in.seen)
        print(
            f"| {args.delay_ms:g} ms per answer | {args.domains} | {requests} | {args.timeout:g} "
            f"| {took:.2f} | {answered} | {serial:.1f} |"
        )
        silent = lab.silent()
        took, ev = run(f"https://127.0.0.1:{silent.port}", lab.ca_file, domains, args.timeout)
        failed = sum(1 for r in ev.realms if r.error)
        print(
            f"| silent | {args.domains} | - | {args.timeout:g} | {took:.2f} | {args.domains - failed} "
            f"| {2 * args.domains * args.timeout:.0f} |"
        )
        lab.close()


if __name__ == "__main__":
    main()
