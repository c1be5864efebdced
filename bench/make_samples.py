#!/usr/bin/env python3
"""Generate the invented ConfigMgr sample logs in ``sample_logs/``.

Everything written here is fabricated test data: the domain (contoso.com /
corp.contoso.local), the server (CM01.corp.contoso.com), the site code (EC1),
the users, thumbprints and timestamps.  No real customer log was used.

The output is deterministic: running ``python bench/make_samples.py`` from the
repository root rewrites every file byte-for-byte identically.  Use ``--check``
to verify the files on disk instead of writing them (exit code 1 on a
difference).  Standard library only, plus the project's table of the connector's
components (scanner/facts/connector.toml), so the logs name what the checks look for.
"""

from __future__ import annotations

import argparse
import sys

from samples.build import Output, build, verify
from samples.common import OUT
from samples.readme import render_readme


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate the invented sample ConfigMgr logs.")
    ap.add_argument("--check", action="store_true", help="verify the files on disk instead of writing them")
    args = ap.parse_args(argv)

    outs = build()
    facts = verify(outs)
    outs.append(Output("README.md", render_readme(facts), 0, "(documentation)"))

    bad = 0
    for o in outs:
        path = OUT / o.rel
        if args.check:
            same = path.is_file() and path.read_bytes() == o.data
            bad += not same
            status = "ok" if same else "DIFFERS"
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(o.data)
            status = "written"
        recs = f"{o.records:5d} records" if o.records else " " * 13
        print(f"{o.rel:32s} {recs} {len(o.data):9,d} bytes  {status} {o.note}".rstrip())
    print(f"{'total':32s} {'':13s} {sum(len(o.data) for o in outs):9,d} bytes")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
