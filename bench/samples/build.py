"""Every sample file, and the facts verify() proves about them (written into the README)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from samples.client_logs import CC_COMP, DMP_COMP, ccm_text, cloudconnection, dmpdownloader
from samples.common import (
    HOSTILE_UPN,
    INSTALL_ERROR,
    SCP_COMPONENTS,
    SIZE_LIMIT,
    SYNC_ERROR,
    USER_ANN,
    USER_BOB,
    USER_CHEN,
    USER_DAVE,
    gmtdate,
    sms_file,
)
from samples.server_logs import (
    BREAK_AT,
    CUS_COMP,
    SITECOMP_COMP,
    SITECOMP_THREAD,
    broken_cloudusersync,
    broken_sitecomp,
    healthy_cloudusersync,
    healthy_sitecomp,
    split_rollover,
)
from samples.verify import (
    IPV4_RE,
    CycleStats,
    assert_increasing,
    check_no_crlf_violations,
    cycle_stats,
    parse_ccm,
    parse_sms,
)

# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


@dataclass
class Output:
    rel: str
    data: bytes
    records: int
    note: str = ""


def build() -> list[Output]:
    outs: list[Output] = []
    h = healthy_cloudusersync()[0]
    outs.append(Output("healthy/Cloudusersync.log", sms_file(h, CUS_COMP, 4512), len(h)))
    hs = healthy_sitecomp()
    outs.append(Output("healthy/Sitecomp.log", sms_file(hs, SITECOMP_COMP, SITECOMP_THREAD), len(hs)))
    old, new = split_rollover(broken_cloudusersync()[0], 5236)
    outs.append(Output("broken/Cloudusersync.lo_", sms_file(old, CUS_COMP, 5236), len(old)))
    outs.append(Output("broken/Cloudusersync.log", sms_file(new, CUS_COMP, 5236), len(new)))
    bs = broken_sitecomp()
    outs.append(Output("broken/Sitecomp.log", sms_file(bs, SITECOMP_COMP, SITECOMP_THREAD), len(bs)))
    d = dmpdownloader()
    dtext = ccm_text(d, DMP_COMP, 7707)
    outs.append(Output("broken/dmpdownloader.log", b"\xff\xfe" + dtext.encode("utf-16-le"), len(d)))
    c, head = cloudconnection()
    ctext = ccm_text(c, CC_COMP, 8808, short_days=True, head_fragment=head)
    outs.append(
        Output(
            "broken/SMS_CLOUDCONNECTION.log",
            b"\xef\xbb\xbf" + ctext.encode("utf-8"),
            len(c) - 1,
            "+ 1 truncated head fragment",
        )
    )
    return outs


Parsed = list[tuple[datetime, str, str]]


@dataclass
class Facts:
    """What verify() found; used to write README.md."""

    healthy_cus: Parsed
    healthy_stats: CycleStats
    lo_: Parsed
    log: Parsed
    broken_stats: CycleStats
    user_failures: list[tuple[datetime, str]]
    three_one: list[datetime]
    sitecomp_1016: list[datetime]
    uploader_flags: int
    dmp: Parsed
    cc: Parsed


def _comp_of(msg: str) -> str:
    """The component a status message is about (its COMP field)."""
    m = re.search(r'\bCOMP="([^"]*)"', msg)
    return m.group(1) if m else ""


def _need(cond: bool, what: str) -> None:
    if not cond:
        raise AssertionError(what)


def verify(outs: list[Output]) -> Facts:
    by = {o.rel: o.data for o in outs}
    _need(sum(len(o.data) for o in outs) <= SIZE_LIMIT, "sample logs too large")
    for o in outs:
        enc = "utf-16-le" if o.data.startswith(b"\xff\xfe") else "utf-8-sig"
        raw = o.data.decode(enc).lstrip("\ufeff")
        _need(not IPV4_RE.search(raw), f"{o.rel}: looks like it contains an IPv4 address")
        check_no_crlf_violations(raw, o.rel)

    # SMS files: the regex matches every line, timestamps strictly increase
    sms: dict[str, Parsed] = {}
    for rel in (
        "healthy/Cloudusersync.log",
        "healthy/Sitecomp.log",
        "broken/Cloudusersync.lo_",
        "broken/Cloudusersync.log",
        "broken/Sitecomp.log",
    ):
        sms[rel] = parse_sms(by[rel])
        assert_increasing([t for t, _, _ in sms[rel]], rel)

    # healthy Cloudusersync: every cycle completes, added == received, no failures
    h = sms["healthy/Cloudusersync.log"]
    hst = cycle_stats(h)
    _need(hst.starts == hst.done and hst.errors == 0, "healthy Cloudusersync: incomplete cycle")
    _need(h[-1][0] - h[0][0] >= timedelta(hours=12), "healthy Cloudusersync: under 12 hours")
    _need(len(by["healthy/Cloudusersync.log"]) <= 250_000, "healthy Cloudusersync: too big")
    for _, _, msg in h:
        _need("Failed to" not in msg, "healthy Cloudusersync contains a failure")
        tot = re.match(
            r"Total received users to add from SCCM = (\d+), "
            r"Total Successfully added users to Cloud = (\d+)$",
            msg,
        )
        _need(not tot or tot.group(1) == tot.group(2), "healthy Cloudusersync: added != received")
    # healthy files carry no error text (the failover/Warning lines are deliberate)
    for rel in ("healthy/Cloudusersync.log", "healthy/Sitecomp.log"):
        for _, _, msg in sms[rel]:
            benign = msg.replace("raise failure status messages", "")
            _need(not re.search(r"(?i)error|fail(?!over)", benign), f"{rel}: error text {msg}")
    hs = sms["healthy/Sitecomp.log"]
    _need(
        sorted(_comp_of(m) for _, _, m in hs if "ID=1015 " in m) == sorted(SCP_COMPONENTS),
        "healthy Sitecomp must install all five SCP components",
    )

    # broken pair: .lo_ older, .log continues right after it
    old, new = sms["broken/Cloudusersync.lo_"], sms["broken/Cloudusersync.log"]
    both = old + new
    assert_increasing([t for t, _, _ in both], "broken Cloudusersync pair")
    _need(new[0][0] - old[-1][0] <= timedelta(minutes=5), "rollover gap too large")
    _need(120_000 <= len(by["broken/Cloudusersync.lo_"]) <= 200_000, ".lo_ size")
    bst = cycle_stats(both)
    _need(bst.first_error is not None and bst.last_done is not None, "break missing")
    assert bst.first_error is not None and bst.last_done is not None
    _need(abs(bst.first_error - BREAK_AT) <= timedelta(minutes=6), "break not near 06:00")
    _need(both[-1][0] - bst.first_error >= timedelta(hours=29), "broken period < ~30 h")
    _need(bst.last_done < bst.first_error, "a cycle completed after the break")
    _need(all(m != SYNC_ERROR for _, _, m in old), "the break must be in the .log")
    fails = [(t, m) for t, _, m in both if m.startswith("Failed to ")]
    added = {
        m[len("Failed to add user ") : m.index("; reason")]
        for _, m in fails
        if m.startswith("Failed to add user ")
    }
    _need({USER_ANN, USER_BOB, USER_CHEN, HOSTILE_UPN} <= added, "planted add failures")
    _need(
        f"Failed to remove user {USER_DAVE}; reason UserNotFound" in {m for _, m in fails},
        "planted remove failure",
    )
    _need(all(t < bst.first_error for t, _ in fails), "per-user failures must precede the break")
    three_one = [
        t
        for t, _, m in both
        if m == "Total received users to add from SCCM = 3, Total Successfully added users to Cloud = 1"
    ]
    _need(bool(three_one), "3/1 cycle missing")

    # broken Sitecomp
    bs = sms["broken/Sitecomp.log"]
    ok = {_comp_of(m) for _, _, m in bs if "ID=1015 " in m}
    _need(
        ok == {"SMS_DMP_DOWNLOADER", "SMS_SERVICE_CONNECTOR", "SMS_OUTGOING_CONTENT_MANAGER"},
        f"unexpected 1015 set {ok}",
    )
    f1016 = [t for t, _, m in bs if "ID=1016 SEV=E" in m and _comp_of(m) == "SMS_CLOUD_USERSYNC"]
    _need(len(f1016) >= 4, "need >= 4 SMS_CLOUD_USERSYNC failures")
    _need(
        all(timedelta(minutes=55) <= b - a <= timedelta(minutes=65) for a, b in itertools.pairwise(f1016)),
        "retries not ~60 min apart",
    )
    _need(sum(m == INSTALL_ERROR for _, _, m in bs) == len(f1016), "install error count")
    flags = sum(m == "Component SMS_DMP_UPLOADER flagged for installation." for _, _, m in bs)
    _need(bs[0][0] > both[-1][0], "Sitecomp reinstall should follow the last usersync record")
    for t, _, m in hs + bs:  # GMTDATE is the record time in UTC
        _need(not m.startswith("STATMSG:") or f"GMTDATE={gmtdate(t)} " in m, "GMTDATE")

    # dmpdownloader: UTF-16 LE BOM, CRLF, records parse, increasing, features present
    d = by["broken/dmpdownloader.log"]
    _need(d.startswith(b"\xff\xfe"), "dmpdownloader.log must start with FF FE")
    dtext = d[2:].decode("utf-16-le")
    drecs = parse_ccm(dtext)
    assert_increasing([t for t, _, _ in drecs], "dmpdownloader.log")
    types = set(re.findall(r'\btype="(\d)"', dtext))
    needles = (
        "WARNING: Failed to download easy setup payload with exception: The underlying "
        "connection was closed: Could not establish trust relationship for the SSL/TLS "
        "secure channel.]LOG]!>",
        "WARNING: Retry in the next polling cycle]LOG]!>",
        "Failed to check and load service signing certificate. System.ArgumentException: Fail to build chain",
        "<script>alert(1)</script>",
        "|",
    )
    _need(types == {"1", "2", "3"}, "dmpdownloader.log: types 1/2/3")
    _need(sum("\r\n" in m for _, _, m in drecs) >= 2, "dmpdownloader.log: multi-line records")
    _need(all(n in dtext for n in needles), "dmpdownloader.log: planted text")
    _need(bool(re.search(r'time="\d\d:\d\d:\d\d\.\d{7}"', dtext)), "7-digit time, no bias")
    _need(bool(re.search(r'time="\d\d:\d\d:\d\d\.\d{3}\+300"', dtext)), "3-digit time + bias")

    # SMS_CLOUDCONNECTION: UTF-8 BOM, starts mid-record, format oddities
    c = by["broken/SMS_CLOUDCONNECTION.log"]
    _need(c.startswith(b"\xef\xbb\xbf"), "SMS_CLOUDCONNECTION.log must start with a UTF-8 BOM")
    ctext = c[3:].decode("utf-8")
    _need(
        not ctext.startswith("<![LOG[") and "]LOG]!>" in ctext.split("\r\n", 1)[0],
        "SMS_CLOUDCONNECTION.log must start mid-record",
    )
    crecs = parse_ccm(ctext)
    assert_increasing([t for t, _, _ in crecs], "SMS_CLOUDCONNECTION.log")
    _need('date="11-7-2026"' in ctext and not re.search(r'date="11-0\d-', ctext), "M-D dates")
    _need('date="11-10-2026"' in ctext, "two-digit days from the 10th")
    _need(sum(a.startswith("date=") for _, a, _ in crecs) == 2, "two reordered records")
    _need(sum(a.startswith("TIME=") for _, a, _ in crecs) == 1, "one upper-case record")
    _need(ctext.count("<![LOG[]LOG]!>") == 1, "one empty message")
    _need(ctext.count('"><![LOG[') == 1, "two records on one line")

    return Facts(h, hst, old, new, bst, fails, three_one, f1016, flags, drecs, crecs)
