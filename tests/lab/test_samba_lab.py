"""The Samba AD lab is a faithful stand-in for the on-premises forest: these tests guard the fixture.

Error texts from ldap3 are asserted loosely (the telling words); the exact texts are printed (run
with -s) and listed in the lab's report. The DC-stopped test stops and restarts the session's DC,
so it runs last in this file.
"""

from __future__ import annotations

import ssl
import sys
import time
import uuid

import pytest

from tests.lab import samba
from tests.lab.samba import (
    SAMBA_REFUSED_UPNS,
    SEED_SCP_KEYWORDS,
    SEED_UPN_SUFFIXES,
    SEED_USERS,
    LdapWriteError,
    SambaLab,
)

try:
    import ldap3
    from ldap3.core.exceptions import LDAPBindError, LDAPSocketOpenError
except ImportError:  # the samba_lab fixture then fails (CI) or skips, naming what is missing
    ldap3 = None
    LDAPBindError = LDAPSocketOpenError = Exception

USERS_FILTER = "(&(objectCategory=person)(objectClass=user))"


def reader(lab: SambaLab, user: str | None = None, password: str | None = None, **server_kw: object):
    """A reader connection over LDAPS (validated against the lab CA) unless server_kw says otherwise."""
    kw = {"port": lab.ldaps_port, "use_ssl": True, "tls": lab.tls(), "connect_timeout": 5, **server_kw}
    server = ldap3.Server(lab.host, get_info=kw.pop("get_info", ldap3.NONE), **kw)
    return ldap3.Connection(
        server,
        lab.reader_upn if user is None else user,
        lab.reader_password if password is None else password,
        authentication=ldap3.SIMPLE,
        auto_bind=True,
        auto_referrals=False,
        receive_timeout=10,
    )


# --- binds and TLS -----------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["upn", "dn"])
def test_reader_simple_bind_over_ldaps_validated(samba_lab: SambaLab, form: str) -> None:
    user = samba_lab.reader_upn if form == "upn" else samba_lab.reader_dn
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=str(samba_lab.ca_file))
    if sys.version_info >= (3, 12):  # ldap3 ignores IP SANs without ssl.match_hostname
        tls = samba_lab.tls()
    server = ldap3.Server(f"ldaps://127.0.0.1:{samba_lab.ldaps_port}", tls=tls, connect_timeout=5)
    conn = ldap3.Connection(server, user, samba_lab.reader_password, auto_bind=True)
    try:
        assert conn.bound and conn.server.ssl
        assert conn.search(samba_lab.base_dn, "(sAMAccountName=alice)", attributes=["userPrincipalName"])
        assert conn.entries[0].userPrincipalName.value == "alice@contoso.com"
    finally:
        conn.unbind()


def test_reader_binds_over_starttls(samba_lab: SambaLab) -> None:
    server = ldap3.Server(samba_lab.ldap_url, tls=samba_lab.tls(), connect_timeout=5)
    conn = ldap3.Connection(
        server,
        samba_lab.reader_upn,
        samba_lab.reader_password,
        auto_bind=ldap3.AUTO_BIND_TLS_BEFORE_BIND,
    )
    try:
        assert conn.bound and conn.tls_started and not conn.server.ssl
    finally:
        conn.unbind()


def test_ldaps_without_the_lab_ca_fails_validation(samba_lab: SambaLab) -> None:
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED)  # the system trust store only
    with pytest.raises(LDAPSocketOpenError) as caught:
        reader(samba_lab, tls=tls)
    text = str(caught.value)
    print(f"\nuntrusted cert: {type(caught.value).__name__}: {text}")
    assert "CERTIFICATE_VERIFY_FAILED" in text, text


def test_wrong_password_adds_one_to_bad_pwd_count_per_attempt(samba_lab: SambaLab) -> None:
    samba_lab.add_user("pwcheck", "pwcheck@contoso.com")
    before = samba_lab.bad_pwd_count("pwcheck")
    server = ldap3.Server(samba_lab.ldaps_url, tls=samba_lab.tls(), connect_timeout=5)
    counts, results = [], []
    for _ in range(3):
        conn = ldap3.Connection(server, "pwcheck@contoso.com", "Wrong-Passw0rd!")
        assert not conn.bind()
        results.append(conn.result)
        conn.unbind()
        counts.append(samba_lab.bad_pwd_count("pwcheck"))
    with pytest.raises(LDAPBindError) as caught:  # what auto_bind=True raises
        reader(samba_lab, "pwcheck@contoso.com", "Wrong-Passw0rd!")
    counts.append(samba_lab.bad_pwd_count("pwcheck"))
    print(f"\nwrong password: result {results[0]}\nwrong password: LDAPBindError: {caught.value}")
    assert counts == [before + 1, before + 2, before + 3, before + 4]
    assert results[0]["description"] == "invalidCredentials", results[0]
    assert "data 52e" in results[0]["message"], results[0]
    assert "invalidCredentials" in str(caught.value)
    reader(samba_lab, "pwcheck@contoso.com", samba.USER_PASSWORD).unbind()  # no lockout (threshold 50)
    assert samba_lab.bad_pwd_count("pwcheck") == 0  # a good bind resets it, as on Windows


# --- what the reader sees ----------------------------------------------------------------------------


def test_reader_reads_root_dse(samba_lab: SambaLab) -> None:
    conn = reader(samba_lab, get_info=ldap3.DSA)
    try:
        info = conn.server.info
        assert info.other["defaultNamingContext"] == [samba_lab.base_dn]
        assert info.other["configurationNamingContext"] == [samba_lab.config_dn]
        assert info.other["dnsHostName"] == [samba_lab.tls_name]
        assert info.other["rootDomainNamingContext"] == [samba_lab.base_dn]
    finally:
        conn.unbind()


def test_reader_reads_upn_suffixes_and_domains(samba_lab: SambaLab) -> None:
    conn = reader(samba_lab)
    try:
        conn.search(
            f"CN=Partitions,{samba_lab.config_dn}", "(objectClass=*)", ldap3.BASE, attributes=["uPNSuffixes"]
        )
        assert sorted(conn.entries[0].uPNSuffixes.values) == sorted(SEED_UPN_SUFFIXES)
        conn.search(
            f"CN=Partitions,{samba_lab.config_dn}",
            "(&(objectClass=crossRef)(nETBIOSName=*))",
            ldap3.LEVEL,
            attributes=["dnsRoot", "nCName", "nETBIOSName"],
        )
        [domain] = conn.entries
        assert domain.dnsRoot.value == samba_lab.dns_domain and domain.nETBIOSName.value == samba_lab.netbios
    finally:
        conn.unbind()


def test_reader_pages_through_the_seeded_users(samba_lab: SambaLab) -> None:
    conn = reader(samba_lab)
    attrs = ["sAMAccountName", "userPrincipalName", "userAccountControl", "mS-DS-ConsistencyGuid",
             "description", "displayName", "lastLogonTimestamp"]  # fmt: skip
    try:
        entries = [
            e
            for e in conn.extend.standard.paged_search(
                samba_lab.base_dn, USERS_FILTER, ldap3.SUBTREE, attributes=attrs, paged_size=5, generator=True
            )
            if e["type"] == "searchResEntry"
        ]
    finally:
        conn.unbind()
    raw = {e["raw_attributes"]["sAMAccountName"][0].decode(): e["raw_attributes"] for e in entries}
    assert set(samba.BUILTIN_ACCOUNTS) | {samba_lab.reader_sam} <= set(raw)
    for u in SEED_USERS:
        got = raw[u["sam"]]
        upn = got.get("userPrincipalName") or []
        assert [v.decode() for v in upn] == ([u["upn"]] if u["upn"] is not None else []), u["sam"]
        uac = int(got["userAccountControl"][0])
        assert bool(uac & samba.UF_ACCOUNTDISABLE) is (not u["enabled"]), u["sam"]
        guid = got.get("mS-DS-ConsistencyGuid") or []
        assert guid == ([u["consistency_guid"]] if u["consistency_guid"] else []), u["sam"]
        for key, attr in (("description", "description"), ("display_name", "displayName")):
            if u[key] is not None:
                assert got[attr] == [u[key].encode()], (u["sam"], attr)
    hostile = raw["hostile"]
    assert "\u202e" in hostile["displayName"][0].decode() and b"\n" in hostile["displayName"][0]
    assert str(uuid.UUID(bytes_le=raw["alice"]["mS-DS-ConsistencyGuid"][0])).startswith("6b1f4e1c-")
    assert samba_lab.seed_notes == {}, samba_lab.seed_notes  # lastLogonTimestamp was writable
    assert raw[samba.MSOL_SAM]["lastLogonTimestamp"] == [str(samba.MSOL_LAST_LOGON).encode()]


def test_reader_reads_the_hybrid_join_scp(samba_lab: SambaLab) -> None:
    conn = reader(samba_lab)
    try:
        assert conn.search(samba.HYBRID_JOIN_SCP_DN, "(objectClass=*)", ldap3.BASE, attributes=["keywords"])
        assert sorted(conn.entries[0].keywords.values) == sorted(SEED_SCP_KEYWORDS)
    finally:
        conn.unbind()


def test_reader_cannot_write(samba_lab: SambaLab) -> None:
    conn = reader(samba_lab)
    alice = f"CN=alice,OU=Staff,{samba_lab.base_dn}"
    try:
        assert not conn.modify(alice, {"description": [(ldap3.MODIFY_REPLACE, ["pwned"])]})
        assert conn.result["description"] == "insufficientAccessRights", conn.result
        assert not conn.add(f"CN=intruder,CN=Users,{samba_lab.base_dn}", ["top", "person", "user"])
        assert conn.result["description"] == "insufficientAccessRights", conn.result
        upns = f"CN=Partitions,{samba_lab.config_dn}"
        assert not conn.modify(upns, {"uPNSuffixes": [(ldap3.MODIFY_ADD, ["evil.example"])]})
        assert conn.result["description"] == "insufficientAccessRights", conn.result
    finally:
        conn.unbind()


# --- the lab itself ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_upn", sorted(SAMBA_REFUSED_UPNS))
def test_samba_still_refuses(samba_lab: SambaLab, bad_upn: str) -> None:
    sam = "refused" + str(len(bad_upn))
    with pytest.raises(LdapWriteError) as caught:
        samba_lab.add_user(sam, bad_upn)
    assert SAMBA_REFUSED_UPNS[bad_upn] in str(caught.value)


def test_timings(samba_lab: SambaLab) -> None:
    t = samba_lab.timings
    print(
        f"\ntemplate {t['template']:.2f} s (0 = cached), clone {t['clone']:.2f} s, "
        f"start {t['start']:.2f} s, seed {t['seed']:.2f} s"
    )
    assert t["clone"] + t["start"] < 30 and t["seed"] < 30


def test_dc_stopped_fails_fast_then_restarts(samba_lab: SambaLab) -> None:
    samba_lab.stop()
    try:
        server = ldap3.Server(samba_lab.host, port=samba_lab.ldaps_port, use_ssl=True, tls=samba_lab.tls(),
                              connect_timeout=2)  # fmt: skip
        began = time.monotonic()
        with pytest.raises(LDAPSocketOpenError) as caught:
            ldap3.Connection(server, samba_lab.reader_upn, samba_lab.reader_password, auto_bind=True)
        elapsed = time.monotonic() - began
        print(f"\nDC stopped ({elapsed:.3f} s): {type(caught.value).__name__}: {caught.value}")
        assert elapsed < 2.5
        assert "refused" in str(caught.value).lower(), caught.value
    finally:
        samba_lab.start()
    print(f"restart {samba_lab.timings['start']:.2f} s")
    reader(samba_lab).unbind()
