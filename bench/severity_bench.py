"""How well does the rule for untyped records agree with the type real writers gave their records?

    python bench/severity_bench.py [LOGS] [--examples N]

Server-format ($$<) records carry no type; their severity is read from their words
(scanner.sources.parse.severity.text_severity). The only real records available in bulk are typed
CMTrace records (LOGS, default: the real-world corpus beside the repository, ../shared/real-world/logs).
This applies each rule to the message of every typed record, ignoring its type, and prints the
confusion matrix against the type (3 error, 2 warning, anything else info), for:

- the project's rule (text_severity);
- CMTrace's documented rule: "error" anywhere (case-insensitive) red, else "warn" yellow;
- the rule the project used before: "error", or "fail" not in "failover"/"failure status", is an
  error; "warn" a warning.

"agree" counts records whose three-way severity matches; "error judgement" counts records on which
"is it an error?" is answered as the type answers it (what logs.errors counts). "missed" counts
type-3 records a rule reads as information. Then the most frequent disagreements of the project's
rule, with numbers and GUIDs folded. Markdown on stdout.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scanner.sources.parse.cmlog import ERROR, INFO, WARNING, parse_file
from scanner.sources.parse.severity import text_severity

NAMES = {ERROR: "error", WARNING: "warning", INFO: "info"}


def cmtrace(text: str) -> int:
    low = text.lower()
    return ERROR if "error" in low else WARNING if "warn" in low else INFO


def before(text: str) -> int:
    low = text.lower()
    if "error" in low:
        return ERROR
    if "fail" in low and low.count("fail") > low.count("failover") + low.count("failure status"):
        return ERROR
    return WARNING if "warn" in low else INFO


RULES: dict[str, Callable[[str], int]] = {
    "project (text_severity)": text_severity,
    "CMTrace (substring)": cmtrace,
    "project before this change": before,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = Path(__file__).resolve().parents[2] / "shared" / "real-world" / "logs"
    ap.add_argument("logs", nargs="?", type=Path, default=default)
    ap.add_argument("--examples", type=int, default=8, help="disagreements shown per cell")
    args = ap.parse_args()
    records = [
        (e.severity, e.message)
        for path in sorted(p for p in args.logs.rglob("*") if p.is_file())
        for e in parse_file(path)
        if e.typed
    ]
    files = len([p for p in args.logs.rglob("*") if p.is_file()])
    print(f"{len(records):,} typed records in {files} files under {args.logs}\n")
    for name, rule in RULES.items():
        _matrix(name, Counter((typ, rule(msg)) for typ, msg in records), len(records))
    _disagreements(records, args.examples)


def _matrix(name: str, cells: Counter[tuple[int, int]], total: int) -> None:
    agree = sum(n for (typ, said), n in cells.items() if typ == said)
    judged = sum(n for (typ, said), n in cells.items() if (typ == ERROR) == (said == ERROR))
    missed = cells[(ERROR, INFO)]
    print(f"### {name}\n")
    print(f"agree {agree:,} ({agree / total:.2%}); error judgement {judged:,} ({judged / total:.2%}); "
          f"type-3 records read as info: {missed}\n")  # fmt: skip
    print("| type \\ rule | error | warning | info | total |\n|---|--:|--:|--:|--:|")
    for typ in (ERROR, WARNING, INFO):
        row = [cells[(typ, said)] for said in (ERROR, WARNING, INFO)]
        print(f"| {NAMES[typ]} | " + " | ".join(f"{n:,}" for n in row) + f" | {sum(row):,} |")
    print()


def _disagreements(records: list[tuple[int, str]], examples: int) -> None:
    shown: dict[tuple[int, int], Counter[str]] = {}
    for typ, msg in records:
        said = text_severity(msg)
        if said != typ:
            folded = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<guid>", msg.split("\n", 1)[0], flags=re.I)
            shown.setdefault((typ, said), Counter())[re.sub(r"\d+", "N", folded)[:110]] += 1
    print("### Where the project's rule and the type disagree (most frequent first)\n")
    for (typ, said), texts in sorted(shown.items(), key=lambda kv: -sum(kv[1].values())):
        print(f"- type {NAMES[typ]}, read as {NAMES[said]}: {sum(texts.values()):,}")
        for text, n in texts.most_common(examples):
            quoted = text.replace("`", "'")
            print(f"  - {n:,} × `{quoted}`")
    print()


if __name__ == "__main__":
    main()
