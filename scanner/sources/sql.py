"""The sql source: the documented v_R_User query on the site database (or a CSV export of the view)."""

from __future__ import annotations

import contextlib
import csv
import heapq
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from itertools import compress
from operator import not_
from pathlib import Path
from typing import Any

from scanner import credentials
from scanner.config import SqlConfig
from scanner.errors import PreflightError
from scanner.evidence.sql import MAX_GROUPS, SiteEvidence, SqlEvidence, SuffixCount, UserGroup, UserRef
from scanner.facts import upn
from scanner.sources.sqlerrors import explain, stopped

# The query from Microsoft's hybrid MDM walkthrough, character for character. Only the database
# name (CM_EC1 in the document) is replaced by the configured one.
DOC_QUERY = """SELECT UserPrincipalName,
COUNT(*) AS NumOfOccurances FROM (SELECT RIGHT(User_Principal_Name0,
LEN(User_Principal_Name0)-PATINDEX('%@%',
User_Principal_Name0)) AS UserPrincipalName FROM CM_EC1.dbo.v_R_User)
AS sub GROUP BY UserPrincipalName"""
# Portable across SQL Server (2008 and later) and the test database: no TOP or brackets. User_Name0
# names a user only when Unique_User_Name0 is NULL or empty (LEN ignores trailing spaces: all-space
# ones bring it too, unused), so only then is it sent: NULLs cost pyodbc a sixth less CPU than names.
DETAIL_QUERY = """SELECT CASE WHEN Unique_User_Name0 IS NULL OR LEN(Unique_User_Name0) = 0 THEN User_Name0
END, Unique_User_Name0, User_Principal_Name0 FROM CM_EC1.dbo.v_R_User"""
FETCH_ROWS = 20_000
MAP_USERS = 300_000  # DOMAIN\user -> UPN kept for comparing with Active Directory; beyond, a sample
COUNT_GROUPS = 100_000  # a CSV export's suffix groups beyond MAX_GROUPS are counted up to this many
_DB_NAME = re.compile(r"^[A-Za-z0-9_]{1,123}$")
_WRITES = re.compile(
    r"\b(insert|update|delete|merge|drop|alter|create|grant|revoke|exec|execute|into|"
    r"truncate|declare|set)\b",
    re.I,
)


# The documented query's suffix groups: the kept ones, and how many groups and users were left out.
_Counted = tuple[tuple[SuffixCount, ...], int, int]


class SqlSourceError(PreflightError):
    """The site database could not be read; the message is one line without secrets."""


@dataclass(slots=True)
class _Tally:
    """Streams user rows into bounded groups: memory stays flat for a million users."""

    limit: int
    users: int = 0
    groups: dict[str, dict[str, list[Any]]] = field(default_factory=lambda: {"domains": {}, "issues": {}})
    upns: dict[str, str | None] = field(default_factory=dict)
    keep: set[str] | None = None  # the domains worth a group when there are too many (SQL: the largest)
    left_out: int = 0  # users whose domain got no group
    restricted: bool = False  # keep is known (from_csv keeps every group up to MAX_GROUPS)

    def add(self, name: str, unique: str, value: str | None) -> None:
        self.users += 1
        if unique and len(self.upns) < MAP_USERS:
            self.upns[unique.lower()] = value
        self._classify(unique or name, value)

    def add_rows(self, rows: list[Any], *, mapped: bool = True) -> None:
        """add() for a batch of (name, unique, UPN) rows, by position (drivers differ in the case of
        column names). A clean UPN whose domain group names all the users it shows only adds to a
        count: those, nearly every row, are judged by one regular-expression pass over the batch and
        counted by C loops (Counter, compress); the others go through add() in their order."""
        self.users += len(rows)
        upns = self.upns
        # mapped=False: the rows are judged, never compared with the directory (a collection's members)
        if mapped and len(upns) + len(rows) <= MAP_USERS:
            upns.update({r[1].lower(): r[2] for r in rows if r[1]})
        elif mapped:
            for r in rows:
                if r[1] and len(upns) < MAP_USERS:
                    upns[r[1].lower()] = r[2]
        domains, limit = self.groups["domains"], self.limit
        found = upn.clean_domains([r[2] or "" for r in rows])  # '': not clean
        pending = set()  # the domains, as written, of groups that still name users
        for dom, n in Counter(found).items():
            if dom and (slot := domains.get(dom.lower())) is not None and 0 < limit <= len(slot[1]):
                slot[0] += n
            elif dom:  # a new group, or one still naming users: row by row, in order
                pending.add(dom)
        if not pending:
            for r in compress(rows, map(not_, found)):
                self._classify(r[1] or r[0] or "", r[2], False)
            return
        for r, dom in zip(rows, found, strict=True):
            if not dom:
                self._classify(r[1] or r[0] or "", r[2], False)
            elif dom in pending:
                self._put("domains", dom.lower(), r[1] or r[0] or "", r[2])

    def _classify(self, who: str, value: str | None, maybe_clean: bool = True) -> None:
        if value is None or upn.missing(value):
            self._put("issues", "missing", who, value)
            return
        if maybe_clean and upn.clean(value):
            self._put("domains", value[value.index("@") + 1 :].lower(), who, value)
            return
        for code in upn.issues(value):
            self._put("issues", code, who, value)
        if dom := upn.domain(value) if "@" in value else "":
            self._put("domains", dom, who, value)

    def restrict(self, keep: set[str] | None) -> None:
        """Keep only these domain groups from now on; those opened already without a place count as
        left out (the documented query arrives while the users are read)."""
        self.keep, self.restricted = keep, True
        if keep is not None:
            domains = self.groups["domains"]
            for key in [k for k in domains if k not in keep]:
                self.left_out += domains.pop(key)[0]

    def _put(self, kind: str, key: str, who: str, value: str | None) -> None:
        groups = self.groups[kind]
        slot = groups.get(key)
        if slot is None:
            if kind == "domains" and (
                len(groups) >= MAX_GROUPS or (self.keep is not None and key not in self.keep)
            ):
                self.left_out += 1
                return
            slot = groups[key] = [0, []]
        slot[0] += 1
        if self.limit <= 0 or len(slot[1]) < self.limit:  # 0: name everyone; else only those shown
            slot[1].append(UserRef(name=who, upn=value))

    def evidence(
        self, *, origin: str, database: str, query: str, inventory: tuple[SuffixCount, ...]
    ) -> SqlEvidence:
        return SqlEvidence(  # the inventory's own counts of what was left out are set by the caller
            origin=origin,
            database=database,
            query=query,
            inventory=inventory,
            users=self.users,
            domains=self.section("domains"),
            issues=self.section("issues"),
            sample_users=self.limit,
            upns=self.upns,
            upns_complete=self.users <= MAP_USERS,
            domains_left_out_users=self.left_out,
            collisions=self.collisions(),
        )

    def collisions(self) -> tuple[UserGroup, ...]:
        found = upn.collisions([v for v in self.upns.values() if v])
        member = {v: key for key, values in found.items() for v in values}
        refs: dict[str, list[UserRef]] = {}
        for who, value in self.upns.items() if member else ():
            if value and (key := member.get(value.lower())):
                refs.setdefault(key, []).append(UserRef(name=who, upn=value))
        return tuple(
            UserGroup(key=k, count=len(r), users=tuple(sorted(r, key=lambda u: u.name)[: self.limit or None]))
            for k, r in sorted(refs.items())
        )

    def section(self, kind: str) -> tuple[UserGroup, ...]:
        return tuple(
            UserGroup(key=k, count=n, users=tuple(sorted(refs, key=lambda r: r.name.lower())))
            for k, (n, refs) in sorted(self.groups[kind].items())
        )


def collect_sql(cfg: SqlConfig, site_code: str, timeout: float, base: Path | None = None) -> SqlEvidence:
    db = cfg.database or (f"CM_{site_code}" if site_code else "")
    if cfg.csv:
        path = Path(cfg.csv) if base is None or Path(cfg.csv).is_absolute() else base / cfg.csv
        return from_csv(path, db or "CM_EC1", cfg.sample_users)
    if not db:
        raise SqlSourceError("no database: set [sql] database, or [site] code for the default CM_<code>")
    if not _DB_NAME.match(db):
        raise SqlSourceError(f"[sql] database {db!r} is not a plain database name")
    conn_str, target, secret = connection_string(cfg, db)
    try:
        return _query(conn_str, target, db, cfg.sample_users, timeout, cfg)
    except SqlSourceError as exc:
        raise SqlSourceError(str(exc).replace(secret, "***") if secret else str(exc)) from None


def setup_problem(cfg: SqlConfig) -> str:
    """Why this [sql] section cannot log in, found before any I/O ('' when nothing is in the way)."""
    parts = _split(cfg.connection_string)
    if cfg.csv or not integrated(parts):
        return ""
    if cfg.user or cfg.password_env or any(k.lower() in ("uid", "pwd") for k, _ in parts):
        return (
            "[sql] connection_string asks for integrated authentication (Trusted_Connection=yes): the "
            "account running the scan logs in; remove [sql] user and password_env (and UID/PWD)"
        )
    return ""


def integrated(parts: list[tuple[str, str]]) -> bool:
    """Windows integrated authentication (SSPI; Kerberos on Linux): no user name, no password."""
    values = {k.lower(): v.strip("{} ").lower() for k, v in parts}
    return values.get("trusted_connection") in ("yes", "true") or (
        values.get("authentication") == "activedirectoryintegrated"
    )


def connection_string(cfg: SqlConfig, db: str) -> tuple[str, str, str]:
    """(connection string, what to call the server in messages, the password to scrub)."""
    if problem := setup_problem(cfg):
        raise SqlSourceError(problem)
    parts = _split(cfg.connection_string)
    keys = {k.lower() for k, _ in parts}
    if "database" not in keys:
        parts.append(("Database", db))
    if "encrypt" not in keys:
        parts.append(("Encrypt", "yes"))  # Driver 18's default, made explicit for older drivers
    if cfg.user:
        parts.append(("UID", cfg.user))
    secret = ""
    if cfg.password_env:
        secret = _password(cfg.password_env)
        parts.append(("PWD", "{" + secret.replace("}", "}}") + "}"))
    server = next((v for k, v in parts if k.lower() in ("server", "servername", "dsn")), "?")
    port = next((v for k, v in parts if k.lower() == "port"), "")
    target = f"{db} on {server}{',' + port if port else ''}"
    return ";".join(f"{k}={v}" for k, v in parts), target, secret


def _split(text: str) -> list[tuple[str, str]]:
    """ODBC key=value pairs; values in braces may hold ';'."""
    out = []
    for m in re.finditer(r"\s*([^=;]+?)\s*=\s*(\{(?:[^}]|\}\})*\}|[^;]*)\s*(?:;|$)", text):
        out.append((m[1], m[2]))
    return out


def _password(env: str) -> str:
    prompt = f"Password for the site database (environment variable {env} is not set): "
    return credentials.password(env, "sql", prompt, SqlSourceError)


def guard(statement: str) -> str:
    """Refuse anything but one SELECT: the source is read-only by construction."""
    body = re.sub(r"'(?:[^']|'')*'", "''", statement).strip().rstrip(";")
    if not body.lower().startswith("select") or ";" in body or _WRITES.search(body):
        raise SqlSourceError("refusing a statement that is not a single SELECT")
    return statement


def _query(
    conn_str: str, target: str, db: str, limit: int, timeout: float, cfg: SqlConfig | None = None
) -> SqlEvidence:
    import pyodbc  # imported here: scans without [sql] need no ODBC driver manager

    doc = DOC_QUERY.replace("CM_EC1", db)
    tally = _Tally(limit=limit)
    try:
        with pyodbc.connect(conn_str, **_connect_args(timeout)) as cn, ThreadPoolExecutor(1) as pool:
            _query_timeout(cn, timeout)
            # The documented query runs on a second connection while this one reads the users: the
            # server aggregates while Python classifies (the two take about as long).
            counted = pool.submit(_documented, conn_str, doc, timeout)
            cur = cn.execute(guard(DETAIL_QUERY.replace("CM_EC1", db)))
            try:
                while batch := cur.fetchmany(FETCH_ROWS):
                    _add_rows(tally, batch, counted)
            except pyodbc.Error as exc:  # half a table judged as the whole would be a false verdict
                raise SqlSourceError(stopped(exc, target, tally.users, timeout)) from None
            inventory, out_groups, out_users = counted.result()
            if not tally.restricted:
                tally.restrict(_keep(counted.result()))
            site = _site(cn, db, cfg, target, timeout) if cfg is not None else None
    except pyodbc.Error as exc:
        raise SqlSourceError(explain(exc, target, timeout, integrated(_split(conn_str)))) from None
    ev = tally.evidence(origin=target, database=db, query=doc, inventory=inventory)
    return replace(ev, inventory_left_out=out_groups, inventory_left_out_users=out_users, site=site)


def _site(cn: Any, db: str, cfg: SqlConfig, target: str, timeout: float) -> SiteEvidence:
    from scanner.sources.sitedb import read_site  # here: it reads this module's helpers

    return read_site(cn, db, cfg, target, timeout)


def _add_rows(tally: _Tally, rows: list[Any], counted: Future[_Counted]) -> None:
    """Tally rows while the documented query may still run. Until it is known which domains get a
    group (all, unless there are more than MAX_GROUPS), rows go in slices that cannot fill the
    groups; when one could, this waits for it."""
    while rows:
        if counted.done() and not tally.restricted:
            tally.restrict(_keep(counted.result()))
        room = len(rows) if tally.restricted else MAX_GROUPS - len(tally.groups["domains"])
        if room <= 0:
            wait([counted])
            continue
        tally.add_rows(rows[:room])
        rows = rows[room:]


def _connect_args(timeout: float) -> dict[str, Any]:
    return {"timeout": max(1, int(timeout)), "autocommit": True, "readonly": True}


def _documented(conn_str: str, doc: str, timeout: float) -> _Counted:
    import pyodbc

    with pyodbc.connect(conn_str, **_connect_args(timeout)) as cn:
        _query_timeout(cn, timeout)
        return _largest(cn.execute(guard(doc)))


def _keep(counted: _Counted) -> set[str] | None:
    """The domains worth a group: all (None) unless the documented query left suffix groups out."""
    inventory, out_groups, _ = counted
    return {upn.group_key(s.suffix) or "" for s in inventory} if out_groups else None


def _largest(cur: Any) -> _Counted:
    """The documented query's rows, fetched in batches: the MAX_GROUPS largest kept, the rest counted."""
    heap: list[tuple[int, int, SuffixCount]] = []
    seen = users = 0
    while batch := cur.fetchmany(FETCH_ROWS):
        for r in batch:
            row, seen, users = SuffixCount(suffix=r[0], count=int(r[1])), seen + 1, users + int(r[1])
            if len(heap) < MAX_GROUPS:
                heapq.heappush(heap, (row.count, seen, row))
            elif row.count > heap[0][0]:
                heapq.heapreplace(heap, (row.count, seen, row))
    kept = tuple(row for _, _, row in sorted(heap, key=lambda t: t[1]))  # in the query's order
    return kept, seen - len(kept), users - sum(r.count for r in kept)


def _query_timeout(cn: Any, timeout: float) -> None:
    """SQL Server's drivers honour a query timeout; drivers that refuse one keep the login timeout
    and the run's deadline for the source."""
    import pyodbc

    with contextlib.suppress(pyodbc.Error):
        cn.timeout = max(1, int(timeout))


def from_csv(path: Path, db: str, limit: int) -> SqlEvidence:
    """A v_R_User export: the same evidence, computed with the query's T-SQL semantics, streamed."""
    groups: dict[str | None, list[Any]] = {}
    tally = _Tally(limit=limit)
    out_groups: set[str | None] = set()  # bounded by the distinct suffixes a capped CSV names
    out_users = 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for name, unique, value in _csv_rows(csv.reader(fh), path):
                suffix = upn.doc_suffix(value)
                key = upn.group_key(suffix)
                slot = groups.get(key)
                if slot is None and len(groups) >= MAX_GROUPS:
                    out_users += 1
                    if len(out_groups) < COUNT_GROUPS:
                        out_groups.add(key)
                else:
                    slot = slot or groups.setdefault(key, [suffix, 0])
                    slot[1] += 1
                tally.add(name, unique, value)
    except OSError as exc:
        raise SqlSourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise SqlSourceError(f"{path}: not UTF-8 text; export the view as UTF-8 ({exc.reason})") from None
    except csv.Error as exc:
        raise SqlSourceError(f"{path}: not a CSV export ({exc})") from None
    inventory = tuple(SuffixCount(suffix=s, count=n) for s, n in groups.values())
    ev = tally.evidence(
        origin=str(path), database=db, query=DOC_QUERY.replace("CM_EC1", db), inventory=inventory
    )
    return replace(
        ev,
        inventory_left_out=len(out_groups),
        inventory_left_out_users=out_users,
        inventory_left_out_exact=len(out_groups) < COUNT_GROUPS,
    )


def _csv_rows(reader: Iterable[list[str]], path: Path) -> Iterator[tuple[str, str, str | None]]:
    header = [h.strip().lower() for h in next(iter(reader), [])]
    if "user_principal_name0" not in header:
        raise SqlSourceError(f"{path}: no User_Principal_Name0 column; export v_R_User with that column")
    cols = [header.index(n) if n in header else None for n in ("user_name0", "unique_user_name0")]
    at = header.index("user_principal_name0")
    for row in reader:
        name, unique = (row[i] if i is not None and i < len(row) else "" for i in cols)
        value = row[at] if at < len(row) else ""
        # SQL Server Management Studio writes NULL as the word NULL; an empty cell is ''.
        yield name, unique, None if value == "NULL" else value
