"""Benchmark the directory source and its checks against the Samba AD lab, compared with ldapsearch.

    python bench/ldap_bench.py [--users 50000] [--seed 7] [--rounds 5] [--tree DIR ...] [--evidence DIR]
        [--server-cores 0] [--client-cores 1]

Template: tests/lab/samba_bulk.py loads N users into a stopped copy of the lab's template in minutes (one
prototype user per OU added through Samba's modules, every other user written as its copy straight into
the domain partition with its indexes off, then one rebuild of the indexes), cached in
/tmp/mdm-bench-samba-<N>-s<seed>-bulk2.
Adding 50,000 users through Samba's modules one by one took 20-25 minutes, growing with the domain.
Users get no password (UAC 544/546, PASSWD_NOTREQD). UPN mix: ~85% @contoso.com, @corp.contoso.local,
@fabrikam.com, 1% none and ~3% malformed (no @, spaces, diacritics, trailing space, two @, over-long);
~60% carry mS-DS-ConsistencyGuid; ~10% disabled. Plus uPNSuffixes, the hybrid-join SCP and an MSOL_
account. The template is built once per user count and reused.

Per run: the template is cloned and started (lab.start). ldapsearch (ldap-utils) reads the users over
LDAPS as svc-preflight with the paged-results control (1000), once to warm up. Then --rounds times,
side by side: ldapsearch (wall time), then a fresh interpreter running collect_directory the same way
and evaluating every upn.* / sync.* check that needs only the directory source; its VmHWM is the peak
RSS. The ratio is taken per round (the machine may be shared): median and range. "baseline RSS" is a
fresh interpreter that imports the same modules and discovers the checks. MB = 2**20 bytes.
CPU: the child's own over collect_directory, ldapsearch's (user + system), and Samba's (every process
of the lab's server, bench/proctime.py) over each.

--tree DIR (repeatable): the children import `scanner` from that checkout instead of this one, each
tree in turn within every round (before and after side by side). --evidence DIR: every child writes
its section as the JSON the evidence file holds (scanner.codec); the bench says whether they are
byte-identical. --server-cores / --client-cores: taskset lists for Samba and for ldapsearch and the
children.
Markdown on stdout, progress on stderr. Needs root (Samba's fixed ports 389/636).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
TREE_ENV, EVIDENCE_ENV = "MDMP_BENCH_TREE", "MDMP_BENCH_EVIDENCE"
if os.environ.get(TREE_ENV):  # a child measuring another checkout (--tree)
    sys.path.insert(0, os.environ[TREE_ENV])
sys.path.insert(1, str(HERE))

import proctime  # noqa: E402

from scanner.config import DirectoryConfig  # noqa: E402
from scanner.sources.directory import USER_ATTRS  # noqa: E402
from tests.lab import samba, samba_bulk  # noqa: E402

PW_ENV = "MDMP_BENCH_LDAP_PW"
# Exactly what the directory source asks for, so ldapsearch does the same work.
FILTER, ATTRS = DirectoryConfig().filter, USER_ATTRS
OUS = ("OU=Staff", "OU=Contractors", "OU=Disabled")
FIRST = ("john", "anna", "peter", "maria", "li", "wei", "fatima", "olga", "james", "sara", "noah", "emma")
LAST = ("smith", "jones", "brown", "garcia", "miller", "davis", "lopez", "wilson", "kim", "chen", "patel")
# (weight in per mille, kind)
MIX = [
    (850, "contoso"), (60, "local"), (50, "fabrikam"), (10, "none"), (6, "no_at"), (5, "spaces"),
    (6, "diacritics"), (5, "trailing"), (4, "two_at"), (4, "long"),
]  # fmt: skip
KINDS = [kind for weight, kind in MIX for _ in range(weight)]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def upn_for(kind: str, name: str) -> str | None:
    return {
        "contoso": f"{name}@contoso.com",
        "local": f"{name}@corp.contoso.local",
        "fabrikam": f"{name}@fabrikam.com",
        "none": None,
        "no_at": f"{name}.contoso.com",
        "spaces": f"{name.replace('.', ' ')}@contoso.com",
        "diacritics": f"{name}.müller@contoso.com",
        "trailing": f"{name}@contoso.com ",
        "two_at": f"{name}@corp@contoso.com",
        "long": f"{name}.{'x' * 64}@contoso.com",
    }[kind]


def bulk_users(users: int, seed: int) -> list[samba_bulk.BulkUser]:
    rnd = random.Random(seed)
    out = []
    for i in range(users):
        sam = f"{rnd.choice(FIRST)}.{rnd.choice(LAST)}{i}"[:20]
        enabled = rnd.random() > 0.1
        upn = upn_for(rnd.choice(KINDS), sam)
        guid = uuid.UUID(int=rnd.getrandbits(128)).bytes_le if rnd.random() < 0.6 else None
        ou = OUS[0] if enabled and i % 5 else OUS[1] if enabled else OUS[2]
        out.append(samba_bulk.BulkUser(sam=sam, upn=upn, enabled=enabled, consistency_guid=guid, ou=ou))
    return out


def forest_ldif() -> str:
    """What besides the users: the Entra Connect account and the hybrid-join SCP."""
    base, config, entry = samba.BASE_DN, samba.CONFIG_DN, samba_bulk.ldif_entry
    msol = [("objectClass", "user"), ("sAMAccountName", samba.MSOL_SAM), ("userAccountControl", "544")]
    msol.append(("lastLogonTimestamp", str(samba.MSOL_LAST_LOGON)))
    scp = [("objectClass", "serviceConnectionPoint"), *(("keywords", k) for k in samba.SEED_SCP_KEYWORDS)]
    return (
        entry(f"CN={samba.MSOL_SAM},CN=Users,{base}", msol)
        + entry(f"CN=Device Registration Configuration,CN=Services,{config}", [("objectClass", "container")])
        + entry(samba.HYBRID_JOIN_SCP_DN, scp)
    )


def ensure_bench_template(users: int, seed: int) -> tuple[Path, dict[str, float]]:
    final = Path(tempfile.gettempdir()) / f"mdm-bench-samba-{users}-s{seed}-bulk2"
    if (final / "ready").is_file():
        return final, {}
    base, _ = samba.ensure_template(samba.check_requirements())
    building = final.with_name(final.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    began = time.perf_counter()
    samba.clone(base, building)
    shutil.copy(base / "etc" / "smb.conf", building / "etc" / "smb.conf")  # keep the path placeholder
    log(f"loading {users:,} users offline (tests/lab/samba_bulk.py) ...")
    # The conf with this folder's path for the tools; the template keeps the placeholder.
    conf = building / "etc" / "smb.conf"
    text = conf.read_text(encoding="utf-8")
    conf.write_text(text.replace(samba.PLACEHOLDER, str(building)), encoding="utf-8")
    try:
        samba_bulk.add_ldif(building, forest_ldif())
        suffixes = "".join(f"uPNSuffixes: {s}\n" for s in samba.SEED_UPN_SUFFIXES)
        samba_bulk.ldb(
            "ldbmodify",
            building,
            stdin=f"dn: {samba.PARTITIONS_DN}\nchangetype: modify\nadd: uPNSuffixes\n{suffixes}\n",
        )
        times = samba_bulk.load_users(building, bulk_users(users, seed))
    finally:
        conf.write_text(text, encoding="utf-8")
    times["total"] = time.perf_counter() - began
    (building / "ready").write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"), encoding="utf-8")
    os.rename(building, final)
    return final, times


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(mode: str, url: str, ca_file: str) -> None:
    """In a fresh interpreter: import (baseline) or collect once + evaluate; JSON on stdout."""
    from datetime import UTC, datetime

    from scanner import config
    from scanner.config import DirectoryConfig
    from scanner.evidence import Evidence
    from scanner.model import SourceStatus
    from scanner.registry import discover
    from scanner.runner import evaluate, prepare
    from scanner.sources.directory import collect_directory

    catalog = discover(plugins=False)
    ids = [s.info.id for s in catalog.select(["upn.*", "sync.*"]) if s.info.needs == ("directory",)]
    out: dict[str, Any] = {"checks": ids}
    if mode == "collect":
        cfg = DirectoryConfig(url=url, user=samba.READER_UPN, password_env=PW_ENV, ca_file=ca_file)
        t, cpu = time.perf_counter(), time.process_time()
        ev = collect_directory(cfg, 120)
        best, cpu = time.perf_counter() - t, time.process_time() - cpu
        if os.environ.get(EVIDENCE_ENV):
            from scanner.codec import to_jsonable

            text = json.dumps(to_jsonable(ev), indent=2, ensure_ascii=False) + "\n"
            Path(os.environ[EVIDENCE_ENV]).write_text(text, encoding="utf-8")
        evidence = Evidence(
            tool_version="bench",
            collected_at=datetime.now(UTC),
            sources=(SourceStatus(name="directory", status="ok"),),
            directory=ev,
        )
        cfgc = config.from_dict({"site": {"verified_domains": ["contoso.com"]}})
        prepared = prepare(catalog, cfgc, only=ids)
        t = time.perf_counter()
        results = evaluate(evidence, prepared, site=cfgc.site)
        out.update(
            collect_s=best,
            cpu_s=cpu,
            eval_ms=(time.perf_counter() - t) * 1000,
            users=ev.users,
            excluded=ev.excluded,
            anchors=ev.with_anchor,
            findings={r.check.id: [r.status.value, len(r.findings)] for r in results},
        )
    out["rss_mb"] = vm_hwm_mb()
    print(json.dumps(out))


def run_child(
    mode: str, lab: samba.SambaLab, tree: str = "", evidence: str = "", cores: str = ""
) -> dict[str, Any]:
    env = {**os.environ, PW_ENV: samba.READER_PASSWORD, TREE_ENV: tree, EVIDENCE_ENV: evidence}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [tree, str(ROOT)]))
    cmd = proctime.pinned([sys.executable, __file__, "--child", mode, lab.ldaps_url, str(lab.ca_file)], cores)
    assert lab.proc is not None
    server = proctime.tree_cpu(lab.proc.pid)
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True, timeout=1800)
    out: dict[str, Any] = json.loads(done.stdout)
    out["server_cpu"] = proctime.tree_cpu(lab.proc.pid) - server
    return out


def ldapsearch(lab: samba.SambaLab, cores: str = "") -> tuple[float, float, float]:
    """Wall seconds, ldapsearch's CPU seconds, Samba's CPU seconds."""
    cmd = ["ldapsearch", "-x", "-LLL", "-H", lab.ldaps_url, "-D", lab.reader_upn, "-w", lab.reader_password,
           "-b", lab.base_dn, "-E", "pr=1000/noprompt", FILTER, *ATTRS]  # fmt: skip
    env = {**os.environ, "LDAPTLS_CACERT": str(lab.ca_file)}
    assert lab.proc is not None
    server, before, t = proctime.tree_cpu(lab.proc.pid), os.times(), time.perf_counter()
    subprocess.run(proctime.pinned(cmd, cores), stdout=subprocess.DEVNULL, env=env, check=True, timeout=600)
    wall, after = time.perf_counter() - t, os.times()
    cpu = after.children_user + after.children_system - before.children_user - before.children_system
    return wall, cpu, proctime.tree_cpu(lab.proc.pid) - server


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=5, help="ldapsearch + source pairs")
    ap.add_argument("--tree", action="append", help="a checkout whose scanner the children run (repeatable)")
    ap.add_argument("--evidence", default="", help="folder for each child's section as JSON")
    ap.add_argument("--server-cores", default="", help="taskset list for Samba")
    ap.add_argument("--client-cores", default="", help="taskset list for ldapsearch and the children")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "URL", "CA"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(*args.child)
    if not shutil.which("ldapsearch"):
        sys.exit("ldapsearch missing: apt-get install ldap-utils")
    template, built = ensure_bench_template(args.users, args.seed)
    if built:
        log("template built: " + ", ".join(f"{k} {v:.1f} s" for k, v in built.items()))
    trees = [str(Path(t).resolve()) for t in args.tree or [str(ROOT)]]
    if args.evidence:
        Path(args.evidence).mkdir(parents=True, exist_ok=True)
    run_root = Path(tempfile.mkdtemp(prefix="mdm-bench-samba-run-"))
    lab = samba.SambaLab(root=run_root / "dc")
    runs: dict[str, list[tuple[dict[str, Any], tuple[float, float, float]]]] = {t: [] for t in trees}
    loads = []
    try:
        t = time.perf_counter()
        samba.clone(template, lab.root)
        clone_s = time.perf_counter() - t
        lab.start()
        assert lab.proc is not None
        proctime.pin(lab.proc.pid, args.server_cores)
        log(f"clone {clone_s:.1f} s, start {lab.timings['start']:.1f} s")
        ldapsearch(lab, args.client_cores)  # warm-up
        # Side by side: each round runs ldapsearch, then the source in a fresh interpreter (each tree in
        # turn), so all meet the same load on a shared machine; the ratio is taken per round.
        for i in range(args.rounds):
            loads.append(proctime.load())
            for tree in trees:
                theirs = ldapsearch(lab, args.client_cores)
                name = f"dir-{Path(tree).name}-r{i + 1}.json"
                evidence = str(Path(args.evidence) / name) if args.evidence else ""
                ours = run_child("collect", lab, tree, evidence, args.client_cores)
                if evidence:
                    ours["sha"] = hashlib.sha256(Path(evidence).read_bytes()).hexdigest()[:16]
                runs[tree].append((ours, theirs))
                log(f"round {i + 1} {Path(tree).name}: ours {ours['collect_s']:.2f} s (CPU "
                    f"{ours['cpu_s']:.2f}, Samba {ours['server_cpu']:.2f}), ldapsearch {theirs[0]:.2f} s "
                    f"(CPU {theirs[1]:.2f}, Samba {theirs[2]:.2f}), load {loads[-1]}")  # fmt: skip
        base = run_child("baseline", lab)
    finally:
        lab.stop()
        shutil.rmtree(run_root, ignore_errors=True)
    last = next(iter(runs.values()))[-1][0]
    log(f"checks: {last['findings']}; in scope {last['users']}, excluded {last['excluded']}")
    print(f"{os.cpu_count()} CPU, Python {platform.python_version()}, {platform.platform()}\n")
    print(
        "| users | tree | fixture build s | rounds | ours collect s | ours CPU s | Samba CPU in ours s "
        "| ldapsearch s | ldapsearch CPU s | Samba CPU in ldapsearch s | ratio, median (range) "
        "| evaluation ms | peak RSS MB | baseline RSS MB |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for tree, done in runs.items():
        ratios = sorted(o["collect_s"] / t[0] for o, t in done)
        ratio = f"{statistics.median(ratios):.2f}x ({ratios[0]:.2f}–{ratios[-1]:.2f})"
        cells = [
            f"{args.users:,}", Path(tree).name, f"{built.get('total', 0):.0f}", str(len(done)),
            span(o["collect_s"] for o, _ in done), span(o["cpu_s"] for o, _ in done),
            span(o["server_cpu"] for o, _ in done), span(t[0] for _, t in done), span(t[1] for _, t in done),
            span(t[2] for _, t in done), ratio, f"{done[-1][0]['eval_ms']:.0f}",
            f"{max(o['rss_mb'] for o, _ in done):.0f}", f"{base['rss_mb']:.0f}",
        ]  # fmt: skip
        print("| " + " | ".join(cells) + " |")
    if args.evidence:
        shas = sorted({o.get("sha") for done in runs.values() for o, _ in done})
        print(f"\nevidence: {len(shas)} distinct file(s) over every round and tree: {shas}")
    print(f"load average per round: {'; '.join(loads)}")


def span(values: Iterable[float]) -> str:
    low, *_, high = sorted(values) * 2
    return f"{low:.2f}–{high:.2f}"


if __name__ == "__main__":
    main()
