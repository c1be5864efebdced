"""AD FS probe timings against real HTTPS servers on 127.0.0.1 (tests/lab/web.py, a trustme CA).

Prints: a full probe of a healthy service (TLS handshake with validation + six GETs at once), the
same through an untrusted certificate (two handshakes: one to validate, one to read it), and a server
that accepts and never answers, which must end in one timeout, not one per request.

    python bench/adfs_bench.py [--runs 20] [--timeout 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository: scanner, and tests.lab for the labs

import trustme  # noqa: E402

from scanner.config import AdfsConfig  # noqa: E402
from scanner.sources.adfs import METADATA_PATH, collect_adfs  # noqa: E402
from tests.lab.web import HOST, Route, WebLab, federation_metadata, signing_cert  # noqa: E402


def probe(lab: WebLab, port: int, probe_port: int, timeout: float) -> float:
    cfg = AdfsConfig(
        url=f"https://{HOST}:{port}",
        ca_file=str(lab.ca_file),
        resolve={HOST: "127.0.0.1"},
        probe_url=f"http://{HOST}:{probe_port}/adfs/probe",
    )
    t0 = time.perf_counter()
    collect_adfs(cfg, timeout)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=2.0)
    args = ap.parse_args()
    lab = WebLab(Path(tempfile.mkdtemp()))
    try:
        meta = federation_metadata([signing_cert("ADFS Signing", days=200), signing_cert("next", days=500)])
        routes = {METADATA_PATH: Route(body=meta), "/adfs/ls/IdpInitiatedSignon.aspx": Route(body=b"<html/>")}
        healthy = lab.serve(routes, lab.cert())
        untrusted = lab.serve(routes, lab.cert(ca=trustme.CA()))
        probe_ok = lab.serve({"/adfs/probe": Route()})
        silent = lab.silent()
        for name, port in (("healthy", healthy.port), ("untrusted certificate", untrusted.port)):
            times = [probe(lab, port, probe_ok.port, args.timeout) for _ in range(args.runs)]
            print(
                f"{name:22} median {statistics.median(times) * 1000:6.1f} ms, "
                f"max {max(times) * 1000:6.1f} ms over {args.runs} probes"
            )
        took = probe(lab, silent.port, silent.port, args.timeout)
        print(f"{'silent server':22} {took:.2f} s with timeout {args.timeout:g} s (6 requests at once)")
        print(f"requests the healthy server saw: {sorted({m for m, _ in healthy.log})} x {len(healthy.log)}")
    finally:
        lab.close()


if __name__ == "__main__":
    main()
