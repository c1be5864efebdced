"""Tens of thousands of users in the Samba lab's directory in minutes (50,000: about four), loaded offline.

Adding a user through Samba's directory modules (samldb, repl_meta_data, descriptor, ...) gets slower as
the domain grows: with ``ldbadd --nosync`` into a stopped DC, 1,000 users took 1.4 s at first and 5 s at
4,000 (26,000 took 343 s; 50,000 would take 20-25 minutes). So the loader adds only ONE user per
(OU, enabled) pair the normal way, reads that prototype back from the domain partition's own file, and
writes every other user as a copy of its prototype straight into that file (``ldbadd`` on the
partition file has no module stack, only ldb's own indexing), with its own name, sAMAccountName,
userPrincipalName, userAccountControl, mS-DS-ConsistencyGuid, objectGUID and objectSid. What a copy
shares with its prototype is what the modules would have computed the same way for a sibling: the
security descriptor inherited from the OU, objectCategory, primaryGroupID, sAMAccountType, the
timestamps and USNs. The partition's index list is emptied while the copies go in (ldb would update
every index on each add, slower as they grow) and put back through sam.ldb, so that ldb rebuilds every
index once with Samba's own attribute syntaxes: the DC finds the copies by objectCategory,
sAMAccountName, objectSid, ... exactly like users it created.

Not copied: replication metadata per attribute (each copy carries its prototype's), passwords (users
get none; UAC 544/546, PASSWD_NOTREQD), group memberships. Good for reading the directory, which is
what the scanner does; never replicate from such a DC. RIDs of the copies start at ``FIRST_RID``, far
above the DC's RID pool, so users added later the normal way cannot collide with them.
"""

from __future__ import annotations

import base64
import subprocess
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.lab import samba

FIRST_RID = 1_000_000
# The attributes each copy gets from its own BulkUser; everything else is its prototype's.
OWN = {
    "dn", "cn", "name", "distinguishedname", "samaccountname", "userprincipalname", "useraccountcontrol",
    "ms-ds-consistencyguid", "objectguid", "objectsid",
}  # fmt: skip
UAC_ENABLED, UAC_DISABLED = 544, 546  # NORMAL_ACCOUNT | PASSWD_NOTREQD (| ACCOUNTDISABLE)


@dataclass(frozen=True, slots=True)
class BulkUser:
    sam: str  # also the CN
    upn: str | None
    enabled: bool
    consistency_guid: bytes | None
    ou: str  # "OU=Staff": created under the domain when missing

    @property
    def dn(self) -> str:
        return f"CN={self.sam},{self.ou},{samba.BASE_DN}"


def ldif_entry(dn: str, attrs: Iterable[tuple[str, str | bytes]]) -> str:
    """One LDIF record; values that are not plain ASCII (or start/end badly) base64-encoded."""
    lines = [f"dn: {dn}"]
    for key, value in attrs:
        raw = value if isinstance(value, bytes) else value.encode()
        printable = all(32 <= b < 127 for b in raw)
        plain = printable and not raw.startswith((b" ", b":", b"<")) and not raw.endswith(b" ")
        lines.append(f"{key}: {raw.decode()}" if plain else f"{key}:: {base64.b64encode(raw).decode()}")
    return "\n".join(lines) + "\n\n"


def _own_attrs(user: BulkUser) -> list[tuple[str, str | bytes]]:
    attrs: list[tuple[str, str | bytes]] = [
        ("sAMAccountName", user.sam),
        ("userAccountControl", str(UAC_ENABLED if user.enabled else UAC_DISABLED)),
    ]
    if user.upn is not None:
        attrs.append(("userPrincipalName", user.upn))
    if user.consistency_guid is not None:
        attrs.append(("mS-DS-ConsistencyGuid", user.consistency_guid))
    return attrs


def partition_file(root: Path) -> Path:
    return root / "private" / "sam.ldb.d" / f"{samba.BASE_DN.upper()}.ldb"


def ldb(tool: str, root: Path, *args: str, url: Path | None = None, stdin: str | None = None) -> str:
    """Run an ldb tool on the stopped lab in ``root`` (its sam.ldb, or ``url``); its stdout."""
    target = url or root / "private" / "sam.ldb"
    done = subprocess.run(
        [tool, "-H", str(target), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=samba._clean_env(),
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{tool} {' '.join(args)[:80]} failed: {(done.stderr or done.stdout).strip()[-500:]}"
        )
    return done.stdout


def add_ldif(root: Path, text: str, url: Path | None = None) -> None:
    """Add LDIF records into the stopped lab in ``root``: through Samba's modules, or straight into
    the ldb file ``url``. ldbadd stops quietly at a record it cannot parse: the count is checked."""
    path = root / "bulk-add.ldif"
    path.write_text(text, encoding="utf-8")
    try:
        said = ldb("ldbadd", root, "--nosync", str(path), url=url)
    finally:
        path.unlink()
    expected = text.count("\ndn: ") + text.startswith("dn: ")
    if f"Added {expected} records" not in said:
        raise RuntimeError(f"ldbadd added fewer records than the {expected} given: {said.strip()[-300:]}")


def _records(ldif: str) -> Iterator[list[tuple[str, str]]]:
    """ldbsearch's LDIF as records of (attribute, the rest of the line after the name: ': x' or ':: b64')."""
    record: list[tuple[str, str]] = []
    lines: list[str] = []
    for line in ldif.splitlines():
        if line.startswith(" ") and lines:
            lines[-1] += line[1:]
        else:
            lines.append(line)
    for line in [*lines, ""]:
        if not line.strip():
            if record:
                yield record
            record = []
        elif not line.startswith("#"):
            name, _, rest = line.partition(":")
            record.append((name, ":" + rest))


def load_users(root: Path, users: Sequence[BulkUser]) -> dict[str, float]:
    """Add ``users`` to the STOPPED lab in ``root`` (a clone of the template); seconds per step."""
    times: dict[str, float] = {}
    t = time.perf_counter()
    ous = sorted({u.ou for u in users})
    existing = ldb(
        "ldbsearch", root, "-b", samba.BASE_DN, "-s", "one", "(objectClass=organizationalUnit)", "dn"
    )
    have = {line[4:].split(",")[0].lower() for line in existing.splitlines() if line.startswith("dn: ")}
    missing = [ou for ou in ous if ou.lower() not in have]
    protos: dict[tuple[str, bool], BulkUser] = {}
    for user in users:
        protos.setdefault((user.ou, user.enabled), user)
    add_ldif(
        root,
        "".join(
            ldif_entry(f"{ou},{samba.BASE_DN}", [("objectClass", "organizationalUnit")]) for ou in missing
        )
        + "".join(ldif_entry(p.dn, [("objectClass", "user"), *_own_attrs(p)]) for p in protos.values()),
    )
    times["prototypes"] = time.perf_counter() - t
    t = time.perf_counter()
    part = partition_file(root)
    shapes: dict[tuple[str, bool], list[tuple[str, str]]] = {}
    domain_sid = ""
    for key, proto in protos.items():
        [record] = list(_records(ldb("ldbsearch", root, f"(sAMAccountName={proto.sam})", url=part)))
        shapes[key] = [(name, rest) for name, rest in record if name.lower() not in OWN]
        sid = next(rest for name, rest in record if name.lower() == "objectsid")
        domain_sid = sid.strip(": ").rsplit("-", 1)[0]
    chosen = {id(p) for p in protos.values()}
    copies = [u for u in users if id(u) not in chosen]
    body = "".join(
        _copy(u, shapes[(u.ou, u.enabled)], domain_sid, FIRST_RID + i) for i, u in enumerate(copies)
    )
    times["ldif"] = time.perf_counter() - t
    t = time.perf_counter()
    indexes = ldb("ldbsearch", root, "-b", "@INDEXLIST", "-s", "base", url=part)
    kept = [(n, r) for n, r in next(_records(indexes)) if n in ("@IDX_DN_GUID", "@IDXGUID")]
    # ldb keeps every index up to date on each add, which grows with the index: none while copying.
    # Put back through sam.ldb, the list makes ldb rebuild every index once, with Samba's attribute
    # syntaxes (written straight into the file, objectCategory's keys would not be Samba's).
    _replace_indexlist(root, part, kept)
    try:
        add_ldif(root, body, url=part)
    finally:
        _replace_indexlist(root, None, [(n, r) for n, r in next(_records(indexes)) if n.startswith("@")])
    times["copies_and_reindex"] = time.perf_counter() - t
    return times


def _copy(user: BulkUser, shape: list[tuple[str, str]], domain_sid: str, rid: int) -> str:
    own = ldif_entry(
        user.dn,
        [
            ("cn", user.sam),
            ("name", user.sam),
            ("distinguishedName", user.dn),
            ("objectGUID", str(uuid.uuid4())),
            ("objectSid", f"{domain_sid}-{rid}"),
            *_own_attrs(user),
        ],
    )
    return own[:-1] + "".join(f"{name}{rest}\n" for name, rest in shape) + "\n"


def _replace_indexlist(root: Path, part: Path | None, values: list[tuple[str, str]]) -> None:
    """Set @INDEXLIST in the ldb file ``part``, or through sam.ldb in every partition (None); ldb
    rebuilds the indexes of a file whose list changes."""
    names = sorted({n for n, _ in values} | {"@IDXATTR", "@IDXONE"})
    body = "dn: @INDEXLIST\nchangetype: modify\n" + "".join(
        f"replace: {n}\n" + "".join(f"{n}{r}\n" for m, r in values if m == n) + "-\n" for n in names
    )
    ldb("ldbmodify", root, url=part, stdin=body + "\n")
