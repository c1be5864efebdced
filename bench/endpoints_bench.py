"""Wall time of the endpoints source for many HTTPS endpoints on 127.0.0.1, beside the slowest single
endpoint and the sum of all of them probed one at a time (they run concurrently, so wall time should
track the slowest, not the sum). Each server answers its GET after its own delay (0 to --max-delay-ms),
the latency of a far-away service. A second run goes through tinyproxy (when installed).

Run from the repository root: python bench/endpoints_bench.py [--endpoints 30] [--max-delay-ms 800]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository: scanner, and tests.lab for the labs

from scanner import config  # noqa: E402
from scanner.sources.endpoints import collect_endpoints  # noqa: E402
from tests.lab.web import Route, WebLab  # noqa: E402


def delayed(seconds: float) -> Route:
    def body() -> Iterator[bytes]:
        time.sleep(seconds)
        yield b"ok"

    return Route(body=body)


def run(lab: WebLab, endpoints: list[str], **extra: Any) -> float:
    section = {"endpoints": endpoints, "ca_file": str(lab.ca_file), **extra}
    cfg = config.from_dict({"scan": {"timeout": 10}, "endpoints": section})
    t0 = time.perf_counter()
    ev = collect_endpoints(cfg)
    took = time.perf_counter() - t0
    bad = [p.endpoint for p in ev.probes if p.http is None or p.http.status != 200]
    assert not bad, f"not reached: {bad}"
    return took


def measure(lab: WebLab, endpoints: list[str], label: str, **extra: Any) -> None:
    run(lab, endpoints[:2], **extra)  # warm-up: imports, the first TLS contexts
    wall = min(run(lab, endpoints, **extra) for _ in range(3))
    singles = [run(lab, [e], **extra) for e in endpoints]
    print(
        f"| {len(endpoints)} | {label} | {wall:.3f} | {max(singles):.3f} | {sum(singles):.3f} |", flush=True
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoints", type=int, default=30)
    parser.add_argument("--max-delay-ms", type=int, default=800)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mdmp-endpoints-bench-"))
    lab = WebLab(tmp)
    try:
        cert = lab.cert("localhost", intermediate=True)
        ports = []
        for i in range(args.endpoints):
            delay = args.max_delay_ms * i / max(1, args.endpoints - 1) / 1000
            ports.append(lab.serve({"/": delayed(delay)}, cert).port)
        endpoints = [f"localhost:{p}" for p in ports]
        print("| endpoints | path | wall s (concurrent) | slowest single s | sum of singles s |")
        print("|--:|---|--:|--:|--:|")
        measure(lab, endpoints, "direct", resolve={"localhost": "127.0.0.1"})
        if shutil.which("tinyproxy"):
            from tests.lab.proxy import start_tinyproxy

            tmp.chmod(0o755)
            proxy = start_tinyproxy(tmp / "proxy", connect_ports=tuple(ports))
            try:
                measure(lab, endpoints, "tinyproxy", proxy=proxy.url)
            finally:
                proxy.stop()
    finally:
        lab.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
