"""A forest with 100,000 UPN suffixes (one LDAP attribute with 100,000 values) on the real Samba DC.

Starts the Samba lab (tests/lab/samba.py; root, fixed ports 389/636: nothing else may run a Samba lab),
adds N values to uPNSuffixes on CN=Partitions, then runs `mdm-preflight scan --only 'upn.*'` in a
child process and prints its time, peak memory, the report sizes and what the HTML says it left out.

    python bench/ldap_values_bench.py [--values 100000]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository: scanner, and tests.lab for the labs

import ldap3  # noqa: E402

from tests.lab.samba import READER_UPN, seed_standard, start_samba  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--values", type=int, default=100_000)
    ap.add_argument(
        "--parent", default="fabrikam.net", help="suffixes are s<N>.<parent>; not verified by default"
    )
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mdm-lab-samba-"))
    lab = start_samba(tmp)
    try:
        seed_standard(lab)
        conn = lab.admin_connection()
        dn = f"CN=Partitions,CN=Configuration,{lab.base_dn}"
        t0 = time.perf_counter()
        for start in range(0, args.values, 5000):
            batch = [f"s{i}.{args.parent}" for i in range(start, min(args.values, start + 5000))]
            conn.modify(dn, {"uPNSuffixes": [(ldap3.MODIFY_ADD, batch)]})
        conn.unbind()
        print(f"added {args.values:,} uPNSuffixes values in {time.perf_counter() - t0:.1f} s")
        cfg = tmp / "scan.toml"
        cfg.write_text(
            f'[site]\nverified_domains = ["contoso.com"]\n[directory]\nurl = "{lab.ldaps_url}"\n'
            f'user = "{READER_UPN}"\npassword_env = "MDMP_BENCH_LDAP"\nca_file = \'{lab.ca_file}\'\n',
            encoding="utf-8",
        )
        out = tmp / "out"
        env = {**os.environ, "MDMP_BENCH_LDAP": lab.reader_password, "PYTHONPATH": str(ROOT)}
        cmd = ["/usr/bin/time", "-f", "%e s, %M KB", sys.executable, "-m", "scanner", "scan", "-c", str(cfg)]
        done = subprocess.run(
            [*cmd, "--only", "upn.*", "-o", str(out), "-q"], env=env, capture_output=True, text=True
        )
        print(f"scan exit {done.returncode}; wall, peak RSS: {done.stderr.strip().splitlines()[-1]}")
        for f in sorted(out.iterdir()):
            print(f"  {f.name:16} {f.stat().st_size / 1e6:7.2f} MB")
        html = (out / "report.html").read_text(encoding="utf-8")
        rows = sum(1 for _ in (out / "findings.csv").open(encoding="utf-8-sig")) - 1
        print(f"findings.csv rows: {rows:,}")
        for said in sorted(set(re.findall(r"[\d,]+ more (?:rows|findings)? ?in findings\.csv", html)))[:3]:
            print(f"  the HTML says: {said}")
    finally:
        lab.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
