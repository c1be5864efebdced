"""The dataclass <-> JSON codec (scanner/codec.py) against msgspec, on the demo's result and evidence.

    python bench/codec_bench.py [--rounds N]

Prints, per document, the time to encode and to decode with each, and whether msgspec's output is the
JSON contract. msgspec is not a dependency: install it (pip install msgspec) to compare; without it the
codec's own figures are printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scanner import store
from scanner.codec import from_jsonable, to_jsonable
from scanner.evidence import Evidence
from scanner.model import ScanResult


def demo_outputs(folder: Path) -> tuple[ScanResult, Evidence]:
    from typer.testing import CliRunner

    from scanner.cli import app

    CliRunner().invoke(app, ["demo", "-q", "-f", "json", "-o", str(folder)])
    return store.load_result(folder / "result.json"), store.load_evidence(folder / "evidence.json")


def best(rounds: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    rounds = ap.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        result, evidence = demo_outputs(Path(tmp))
    try:
        import msgspec
    except ImportError:
        msgspec = None
    for name, obj, cls in (("result", result, ScanResult), ("evidence", evidence, Evidence)):
        text = json.dumps(to_jsonable(obj))
        row = [
            f"{name}: {len(text) / 1024:,.0f} KiB",
            f"codec encode {best(rounds, lambda o=obj: json.dumps(to_jsonable(o))):.1f} ms",
            f"decode {best(rounds, lambda t=text, c=cls: from_jsonable(c, json.loads(t))):.1f} ms",
        ]
        if msgspec is not None:
            enc = msgspec.json.Encoder()
            dec = msgspec.json.Decoder(cls)
            row.append(f"msgspec encode {best(rounds, lambda o=obj, e=enc: e.encode(o)):.1f} ms")
            try:
                row.append(f"decode {best(rounds, lambda t=text, d=dec: d.decode(t)):.1f} ms")
            except msgspec.ValidationError as exc:
                row.append(f"decode refused the contract's JSON: {exc}")
            same = json.loads(enc.encode(obj)) == json.loads(text)
            row.append(f"same JSON as the contract: {same}")
        print(" | ".join(row))


if __name__ == "__main__":
    main()
