"""Benchmark the reports at scale: 100,000 users, 20,000 of them with UPN problems, through the real checks.

    python bench/report_bench.py [--users 100000] [--problems 20000] [--out bench/out/report] [--no-browser]

An export of v_R_User (the offline input of the sql source, `[sql] csv`) is generated with a fixed
seed: most users on contoso.com (verified), the problem users spread over thousands of private
suffixes (siteNNNN.corp.local: upn.non_routable_suffix), unverified public suffixes
(brNNNN.fabrikam.com: upn.unverified_suffix), malformed UPNs and NULLs (upn.malformed,
upn.missing). `[sql] sample_users = 0` names every user, so the evidence lists are complete.
The scan runs the upn.* checks through scanner.runner (prepare + run), exactly as `scan` does.

Then each format is rendered and written (time and size), and findings.csv is checked complete: one
row per finding, and every problem user named in it; users.csv: one row per problem user, each once.
The HTML is opened in headless Chromium (Selenium, /usr/bin/chromium): first-contentful-paint from the
Performance API, load event end, the best of 3 fresh page loads. MB = 10**6 bytes (the limits are 5 MB
HTML and 1 MB Markdown). Last, report.pdf is printed as `--pdf` prints it (the document with its
appendices, headless Chromium): seconds, pages and size; it must print within the printer's timeout.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reports import FORMATS, render  # noqa: E402
from scanner import config  # noqa: E402
from scanner.app.redact import redact  # noqa: E402
from scanner.registry import discover  # noqa: E402
from scanner.runner import prepare, run  # noqa: E402

HTML_LIMIT, MD_LIMIT, FCP_LIMIT = 5_000_000, 1_000_000, 2.0


def make_users(path: Path, users: int, problems: int, seed: int = 7) -> set[str]:
    """Write the export; returns the account names of the problem users."""
    rnd = random.Random(seed)
    bad: set[str] = set()
    kinds = ["local"] * 60 + ["unverified"] * 20 + ["malformed"] * 10 + ["null"] * 10
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["User_Name0", "Unique_User_Name0", "User_Principal_Name0"])
        for i in range(users):
            name = f"u{i:06d}"
            if i < problems:
                kind = kinds[i % len(kinds)]
                upn = {
                    "local": f"{name}@site{rnd.randrange(problems // 5):04d}.corp.local",
                    "unverified": f"{name}@br{rnd.randrange(problems // 10):04d}.fabrikam.com",
                    "malformed": rnd.choice([f"{name}", f"{name}@x@contoso.com", f"{name} @contoso.com"]),
                    "null": "NULL",
                }[kind]
                bad.add(f"CONTOSO\\{name}")
            else:
                upn = f"{name}@contoso.com"
            w.writerow([name, f"CONTOSO\\{name}", upn])
    return bad


def scan(folder: Path, users: Path) -> tuple[object, object, float]:
    cfg_file = folder / "bench.toml"
    cfg_file.write_text(
        '[site]\ncompany = "Contoso (benchmark)"\ncode = "BEN"\nverified_domains = ["contoso.com"]\n'
        f"[sql]\ncsv = {str(users)!r}\nsample_users = 0\n",
        encoding="utf-8",
    )
    cfg = config.load(cfg_file)
    catalog = discover()
    prepared = prepare(catalog, cfg, ["upn.*"])
    t0 = time.perf_counter()
    result, ev = run(cfg, catalog, prepared, options={"command": ["bench"], "config": str(cfg_file)})
    return result, ev, time.perf_counter() - t0


# The paint entry can come after the load event: wait for it (buffered, so an earlier one counts too).
_FCP = """
const done = arguments[arguments.length - 1];
new PerformanceObserver(list => {
  const e = list.getEntriesByName('first-contentful-paint')[0];
  if (e) done(e.startTime);
}).observe({type: 'paint', buffered: true});
setTimeout(() => done(null), 10000);
"""


def paint(html: Path, repeat: int = 3) -> tuple[float, float]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ):
        opts.add_argument(arg)
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    best_fcp, best_load = float("inf"), float("inf")
    for _ in range(repeat):
        d = webdriver.Chrome(service=Service(driver), options=opts)
        try:
            d.get(html.as_uri())  # returns after the load event
            d.set_script_timeout(15)
            fcp = d.execute_async_script(_FCP)
            load = d.execute_script("return performance.getEntriesByType('navigation')[0].loadEventEnd")
        finally:
            d.quit()
        if fcp is None:
            raise RuntimeError("no first-contentful-paint within 10 s")
        best_fcp, best_load = min(best_fcp, fcp / 1000), min(best_load, load / 1000)
    return best_fcp, best_load


def printed(result: object, pdf: Path) -> list[str]:
    """report.pdf as `scan --pdf` prints it: seconds, pages, size."""
    from pypdf import PdfReader

    from scanner.app.pdf import PdfError, print_report

    t0 = time.perf_counter()
    try:
        print_report(result, pdf)  # type: ignore[arg-type]
    except PdfError as exc:
        return [f"report.pdf: {exc}"]
    secs = time.perf_counter() - t0
    pages = len(PdfReader(pdf).pages)
    print(f"report.pdf: {pages:,} pages, {pdf.stat().st_size / 1e6:.2f} MB, printed in {secs:.1f} s")
    return []


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--problems", type=int, default=20_000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "report")
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mdmp-report-bench-") as tmp:
        users = Path(tmp) / "v_R_User.csv"
        bad = make_users(users, args.users, args.problems)
        result, ev, took = scan(Path(tmp), users)
    findings = [f for r in result.results for f in r.findings]  # type: ignore[attr-defined]
    print(f"scan: {args.users:,} users, {len(bad):,} with UPN problems", end="")
    print(f" -> {len(findings):,} findings in {took:.2f} s")
    t0 = time.perf_counter()
    shown = redact(result, b"bench", ev)  # type: ignore[arg-type]
    took_redact = time.perf_counter() - t0
    words = set(re.findall(r"[\w.-]+", render(shown, "csv")))
    leaked = sum(1 for b in bad if b.rpartition("\\")[2] in words)
    print(f"--redact (every user of the export known): {took_redact:.2f} s", end="")
    print(f", problem users still named in findings.csv: {leaked}")
    if leaked:
        failures.append("--redact left user names")
    print("\n| format | file | seconds | size |\n|---|---|---:|---:|")
    sizes = {}
    for name, fmt in FORMATS.items():
        t0 = time.perf_counter()
        text = fmt.render(result)  # type: ignore[arg-type]
        secs = time.perf_counter() - t0
        path = args.out / fmt.filename
        path.write_text(text, encoding="utf-8", newline="")
        sizes[name] = path.stat().st_size
        print(f"| {name} | {fmt.filename} | {secs:.2f} | {sizes[name] / 1e6:.2f} MB |")
    rows = list(csv.DictReader(io.StringIO((args.out / "findings.csv").read_text(encoding="utf-8-sig"))))
    named = "\n".join(r["evidence"] + r["message"] for r in rows)
    missing = sum(1 for b in bad if b.replace("\\", "\\\\") not in named and b not in named)
    print(f"\nfindings.csv: {len(rows):,} rows for {len(findings):,} findings;", end="")
    print(f" problem users not named: {missing}")
    if len(rows) != len(findings) or missing:
        failures.append("findings.csv is not complete")
    people = list(csv.DictReader(io.StringIO((args.out / "users.csv").read_text(encoding="utf-8-sig"))))
    named = {r["user"] for r in people}
    print(
        f"users.csv: {len(people):,} rows for {len(bad):,} problem users; not listed: {len(bad - named)}",
        end="",
    )
    print(f", listed twice: {len(people) - len(named)}")
    if bad - named or len(people) != len(named):
        failures.append("users.csv is not one row per problem user")
    if sizes["html"] > HTML_LIMIT:
        failures.append(f"HTML {sizes['html']:,} B > {HTML_LIMIT:,}")
    if sizes["md"] > MD_LIMIT:
        failures.append(f"Markdown {sizes['md']:,} B > {MD_LIMIT:,}")
    if not args.no_browser:
        fcp, load = paint(args.out / "report.html")
        print(f"headless Chromium: first-contentful-paint {fcp:.3f} s,", end="")
        print(f" load event end {load:.3f} s (best of 3)")
        if fcp >= FCP_LIMIT:
            failures.append(f"first paint {fcp:.2f} s >= {FCP_LIMIT} s")
        failures += printed(result, args.out / "report.pdf")
    for f in failures:
        print(f"FAIL: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
