"""What a Kerberos bind costs against a password bind: the directory source on the Samba lab.

    python bench/kerberos_bench.py [--repeat 20]

Starts the Samba lab (tests/lab/samba.py, the standard seed) and its KDC setup (tests/lab/kerberos.py:
the reader's keytab, a private krb5.conf and ticket cache in a temporary folder). Then, in this process,
each way of binding as the same non-admin reader runs `collect_directory` over LDAPS --repeat times:

- password: a simple bind with the password from an environment variable;
- ticket: auth = "kerberos" with a ticket from kinit in the cache (after the first run the cache also
  holds the ldap/ service ticket, as on a jump host where the admin logged on);
- keytab: auth = "kerberos" with keytab and principal: the tickets go into an in-memory cache (a
  scheduled task's case; a scan is one process, so it asks the KDC once; here runs in one process
  may find the cache of an earlier run).

It also times the bind alone (connect, TLS, bind, unbind) the same way. Times are wall seconds; the
table shows the best and the median. Markdown on stdout. Needs root (Samba's fixed ports).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.config import DirectoryConfig  # noqa: E402
from scanner.sources.directory import collect_directory  # noqa: E402
from scanner.sources.net import bind  # noqa: E402
from tests.lab import kerberos, samba  # noqa: E402

PW_ENV = "MDMP_BENCH_LDAP_PW"


def timed(func: Callable[[], object], repeat: int) -> tuple[float, float]:
    func()  # warm-up: imports, the first service ticket
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        runs.append(time.perf_counter() - t0)
    return min(runs), statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mdm-bench-krb5-"))
    lab = samba.start_samba(root)
    try:
        samba.seed_standard(lab)
        krb = kerberos.start_kerberos(lab, root)
        os.environ.update(krb.env(krb.kinit(root / "ccache")))
        os.environ[PW_ENV] = lab.reader_password
        common = {"url": lab.ldaps_url, "ca_file": str(lab.ca_file)}
        ways = {
            "password (simple bind)": DirectoryConfig(**common, user=lab.reader_upn, password_env=PW_ENV),
            "ticket from kinit": DirectoryConfig(**common, auth="kerberos", spn=kerberos.SPN),
            "keytab and principal": DirectoryConfig(
                **common, auth="kerberos", spn=kerberos.SPN, keytab=str(krb.keytab), principal=krb.principal
            ),
        }
        print(f"Samba {samba.check_requirements()}, LDAPS, {args.repeat} runs each, seconds\n")
        print("| bind | bind alone best | bind alone median | collect_directory best | median |")
        print("|---|---:|---:|---:|---:|")
        for name, cfg in ways.items():
            alone = timed(lambda cfg=cfg: bind.connect(cfg, 10).unbind(), args.repeat)
            full = timed(lambda cfg=cfg: collect_directory(cfg, 10), args.repeat)
            print(f"| {name} | {alone[0]:.4f} | {alone[1]:.4f} | {full[0]:.4f} | {full[1]:.4f} |")
    finally:
        lab.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
