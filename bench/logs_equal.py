"""Prove a change to the log reader loses nothing: the logs source's evidence and every record, as JSON.

    python bench/logs_equal.py --out /tmp/eq-new [--tree /path/to/other/checkout] [--gen /tmp/mdmp-bench]
    diff -r /tmp/eq-old /tmp/eq-new        # byte-identical: the same evidence and the same records

For each case it writes CASE.json: the whole `collect_logs` evidence (scanner.codec), and per logical
log what `parse_log` yields — the count, the count per severity, each file's statistics, and a
SHA-256 over every record's (file index, line, date, time, severity, typed, component, thread,
source file, message) and its UTC time under the case's time rule. Cases:

- every folder of the real-world corpus (`../shared/real-world/logs`), each alone and all at once;
- `sample_logs/healthy`, `sample_logs/broken` and every folder of `tests/fixtures/server_logs`;
- the generated logs under --gen (`<fmt>-<size>/<name>` as parse_bench.py writes them, up to
  --max-mb), each read as itself, as `Sitecomp.log` (so the Sitecomp reader reads the server-format
  ones too), and cut in two inside a record as `X.lo_` + `X.log` (the rollover join), under both
  time conventions.

The copies made for a case (as Sitecomp.log, cut in two) live in a temporary folder of the run's own,
named `<scratch>` in the JSON: runs at the same time never meet, and their files compare equal.

--tree imports `scanner` from another checkout (e.g. main, for the baseline). Standard library and
the project only; a summary line per case on stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "real-world" / "logs"


def cases(root: Path, gen: Path, scratch: Path, max_mb: int) -> list[tuple[str, list[Path]]]:
    found: list[tuple[str, list[Path]]] = []
    folders = sorted({p.parent for p in CORPUS.rglob("*") if p.is_file()}) if CORPUS.is_dir() else []
    found += [(f"corpus-{f.relative_to(CORPUS)}".replace("/", "-"), [f]) for f in folders]
    if folders:
        found.append(("corpus-all", folders))
    found += [(f"sample-{name}", [root / "sample_logs" / name]) for name in ("healthy", "broken")]
    fixtures = root / "tests" / "fixtures" / "server_logs"
    found += [(f"fixture-{p.name}", [p]) for p in sorted(fixtures.iterdir()) if p.is_dir()]
    for log in sorted(gen.glob("*/*.log")) if gen.is_dir() else []:
        if log.stat().st_size > max_mb << 20:
            continue
        case = log.parent.name
        found.append((f"gen-{case}", [log]))
        as_sitecomp = scratch / f"{case}-sitecomp"
        as_sitecomp.mkdir()
        (as_sitecomp / "Sitecomp.log").symlink_to(log)
        found.append((f"gen-{case}-as-sitecomp", [as_sitecomp]))
        if log.stat().st_size <= 64 << 20:  # the rollover join: cut inside a record, past a chunk
            data = log.read_bytes()
            cut = data.index(b"\n", len(data) // 2 + 12_345) - 20  # inside a header or the attributes
            rotated = scratch / f"{case}-rotated"
            rotated.mkdir()
            (rotated / log.with_suffix(".lo_").name).write_bytes(data[:cut])
            (rotated / log.name).write_bytes(data[cut:])
            found.append((f"gen-{case}-rotated", [rotated]))
    return found


def digest(paths: list[Path], rule: object) -> list[dict[str, object]]:
    from scanner.codec import to_jsonable
    from scanner.sources.logfiles import resolve
    from scanner.sources.parse.cmlog import FileStats, parse_log

    out = []
    for log in resolve([str(p) for p in paths]).logs:
        stats = [FileStats() for _ in log.files]
        h, severities, count = hashlib.sha256(), {1: 0, 2: 0, 3: 0}, 0
        for i, e in parse_log(log.files, stats):
            count += 1
            severities[e.severity] += 1
            when = rule.utc(e)  # type: ignore[attr-defined]
            fields = (
                i,
                e.line,
                e.date,
                e.time,
                e.severity,
                e.typed,
                e.component,
                e.thread,
                e.source,
                e.message,
            )
            h.update(repr((fields, when.isoformat() if when else None)).encode())
        out.append(
            {
                "log": str(log.path),
                "entries": count,
                "severity": severities,
                "sha256": h.hexdigest(),
                "stats": [to_jsonable(s) for s in stats],
            }
        )
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="folder for the CASE.json files")
    ap.add_argument("--tree", type=Path, default=HERE.parent, help="the checkout whose scanner is run")
    ap.add_argument("--gen", type=Path, default=Path("/tmp/mdmp-bench"), help="generated logs (parse_bench)")
    ap.add_argument("--only", default="", help="run only the cases whose name contains this")
    ap.add_argument("--max-mb", type=int, default=200, help="skip generated logs larger than this")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(args.tree.resolve()))
    from scanner.codec import to_jsonable
    from scanner.sources.logs import TimeRule, collect_logs

    args.out.mkdir(parents=True, exist_ok=True)
    rules = {"bias": TimeRule(), "offset-60": TimeRule(convention="offset", missing_bias=60)}
    # A folder of its own per run (two runs at once never meet); the evidence names it <scratch>, so
    # that two runs' files compare equal.
    scratch = Path(tempfile.mkdtemp(prefix="mdmp-logs-equal-"))
    named = json.dumps(str(scratch), ensure_ascii=False)[1:-1]  # as the JSON spells it
    try:
        for name, paths in cases(HERE.parent, args.gen, scratch, args.max_mb):
            if args.only not in name:
                continue
            for rule_name, rule in rules.items():
                if rule_name != "bias" and not (name.startswith("gen-") or name == "corpus-all"):
                    continue
                evidence = collect_logs([str(p) for p in paths], rule)
                doc = {"evidence": to_jsonable(evidence), "records": digest(paths, rule)}
                text = json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False)
                text = text.replace(named, "<scratch>")
                (args.out / f"{name}.{rule_name}.json").write_text(text, encoding="utf-8")
                entries = sum(r["entries"] for r in doc["records"])  # type: ignore[misc]
                sha = hashlib.sha256(text.encode()).hexdigest()[:16]
                print(
                    f"{name}.{rule_name}: {len(evidence.logs)} logs, {entries:,} records, {sha}", flush=True
                )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
