"""The long fuzzing run: the properties of tests/test_fuzz.py over a million near-valid inputs.

    python bench/fuzz_bench.py                        # 1,000,000 inputs spread over every reader
    python bench/fuzz_bench.py --inputs 20000 --targets log,csv --jobs 2 --seed 7

Each input is built by tests/fuzzing.py from a seeded random.Random (the same mutations hypothesis
drives in the test suite) and checked with the same property. An input that breaks the property,
or runs longer than --hang seconds, is a failure and is saved under --failures. Prints, per
reader: inputs tried, failures, CPU seconds, inputs per second, the slowest input and its size.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzzing import TARGETS, Unexpected, mutate, run_one


@dataclass
class Tally:
    target: str
    inputs: int = 0
    failures: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    slowest_size: int = 0
    largest: int = 0
    messages: list[str] = field(default_factory=list)


class Hang(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise Hang


def work(target: str, count: int, seed: int, hang: float, failures: str) -> Tally:
    """One process's share of one reader: count inputs from its own seed."""
    t, rng, tally = TARGETS[target], random.Random(seed), Tally(target)
    signal.signal(signal.SIGALRM, _alarm)
    with tempfile.TemporaryDirectory(prefix=f"mdm-fuzz-{target}-") as tmp:
        work_dir = Path(tmp)
        began = time.process_time()
        for i in range(count):
            data = mutate(rng, t)
            start = time.perf_counter()
            signal.setitimer(signal.ITIMER_REAL, hang)
            try:
                run_one(t, data, work_dir)
                problem = ""
            except Unexpected as exc:
                problem = str(exc)
            except Hang:
                problem = f"{target}: no result within {hang:g} s"
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            took = time.perf_counter() - start
            tally.inputs += 1
            tally.largest = max(tally.largest, len(data))
            if took > tally.slowest:
                tally.slowest, tally.slowest_size = took, len(data)
            if problem:
                tally.failures += 1
                if len(tally.messages) < 20:
                    tally.messages.append(problem)
                    out = Path(failures) / f"{target}-{seed}-{i}.bin"
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(data)
        tally.seconds = time.process_time() - began
    return tally


def merge(parts: list[Tally]) -> Tally:
    total = Tally(parts[0].target)
    for p in parts:
        total.inputs += p.inputs
        total.failures += p.failures
        total.seconds += p.seconds
        total.largest = max(total.largest, p.largest)
        if p.slowest > total.slowest:
            total.slowest, total.slowest_size = p.slowest, p.slowest_size
        total.messages += p.messages
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--inputs", type=int, default=1_000_000, help="in total, spread evenly over the readers")
    ap.add_argument("--targets", default=",".join(TARGETS), help=f"comma-separated, of {', '.join(TARGETS)}")
    ap.add_argument("--jobs", type=int, default=1, help="processes (the machine may be shared: 1 or 2)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hang", type=float, default=10.0, help="seconds after which one input is a failure")
    ap.add_argument("--failures", default="/tmp/mdm-fuzz-failures", help="where failing inputs are saved")
    args = ap.parse_args()
    targets = [t for t in args.targets.split(",") if t]
    for t in targets:
        TARGETS[t].seeds()  # build the seeds once here: a failing seed is a setup error, not a finding
    per = args.inputs // len(targets)
    jobs = []
    for n, t in enumerate(targets):
        count = per + (1 if n < args.inputs % len(targets) else 0)
        for j in range(args.jobs):
            share = count // args.jobs + (1 if j < count % args.jobs else 0)
            jobs.append((t, share, args.seed * 1000 + n * 10 + j, args.hang, args.failures))
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(work, *job) for job in jobs]
        results = [f.result() for f in futures]
    wall = time.perf_counter() - began
    print(
        f"{'reader':10} {'inputs':>10} {'failures':>8} {'cpu s':>8} {'inputs/s':>9} {'slowest ms':>10} "
        f"{'its bytes':>10} {'largest bytes':>13}"
    )
    totals = []
    for t in targets:
        m = merge([r for r in results if r.target == t])
        totals.append(m)
        rate = m.inputs / m.seconds if m.seconds else 0.0
        print(
            f"{t:10} {m.inputs:>10,} {m.failures:>8,} {m.seconds:>8.1f} {rate:>9,.0f} "
            f"{m.slowest * 1000:>10.1f} {m.slowest_size:>10,} {m.largest:>13,}"
        )
        for msg in m.messages[:5]:
            print(f"    {msg}")
    inputs, fails = sum(m.inputs for m in totals), sum(m.failures for m in totals)
    print(
        f"total: {inputs:,} inputs, {fails:,} failures, {wall:.0f} s wall with {args.jobs} process(es), "
        f"{inputs / wall:,.0f} inputs/s"
    )
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
