"""The bulk loader's users are users to Samba: found through its own modules and indexes, each with its
own name, UPN, account control, source anchor and SID (the 50,000-user benchmark directory is built so).

Read offline with ldbsearch through sam.ldb (Samba's module stack and schema, no ports): the session's
DC keeps Samba's fixed ports.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.lab import require, samba
from tests.lab.samba_bulk import BulkUser, _records, ldb, load_users

FILTER = "(&(objectCategory=person)(objectClass=user))"


def users(n: int) -> list[BulkUser]:
    kinds = [
        lambda i: f"u{i}@contoso.com",
        lambda i: f"u{i}@corp.contoso.local",
        lambda i: None,
        lambda i: f"u{i} x@contoso.com",
        lambda i: f"u{i}@fabrikam@contoso.com",
        lambda i: f"zoë{i}@contoso.com",
    ]
    return [
        BulkUser(
            sam=f"bulk{i}",
            upn=kinds[i % len(kinds)](i),
            enabled=i % 7 != 0,
            consistency_guid=uuid.UUID(int=i + 1).bytes_le if i % 3 else None,
            ou=("OU=Staff", "OU=Contractors")[i % 2],
        )
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[BulkUser]]:
    require(samba.check_requirements)
    template, _ = samba.ensure_template(samba.check_requirements())
    root = tmp_path_factory.mktemp("bulk") / "dc"
    samba.clone(template, root)
    made = users(300)
    load_users(root, made)
    return root, made


def search(root: Path, flt: str, *attrs: str) -> list[dict[str, list[str]]]:
    out = []
    for record in _records(ldb("ldbsearch", root, flt, *attrs)):
        entry: dict[str, list[str]] = {}
        for name, rest in record:
            entry.setdefault(name.lower(), []).append(rest)
        if "dn" in entry:  # not a referral to another partition
            out.append(entry)
    return out


def test_every_bulk_user_is_a_user_with_its_own_attributes(loaded: tuple[Path, list[BulkUser]]) -> None:
    root, made = loaded
    attrs = ("sAMAccountName", "userPrincipalName", "userAccountControl", "objectSid")
    found = {e["samaccountname"][0].strip(": "): e for e in search(root, FILTER, *attrs)}
    assert {u.sam for u in made} <= set(found)
    for u in made:
        entry = found[u.sam]
        assert entry["useraccountcontrol"] == [": " + ("544" if u.enabled else "546")]
        if u.upn is None:
            assert "userprincipalname" not in entry
        else:
            assert "userprincipalname" in entry
    sids = [e["objectsid"][0] for e in found.values()]
    assert len(sids) == len(set(sids))  # each copy has its own SID


def test_the_indexes_find_a_copy_by_name_upn_and_anchor(loaded: tuple[Path, list[BulkUser]]) -> None:
    root, made = loaded
    copy = made[-6]  # not a prototype: written straight into the partition
    assert copy.upn == f"u{len(made) - 6}@contoso.com"
    assert [e["dn"] for e in search(root, f"(sAMAccountName={copy.sam})")] == [[": " + copy.dn]]
    assert [e["dn"] for e in search(root, f"(userPrincipalName={copy.upn})")] == [[": " + copy.dn]]
    anchored = search(root, "(&(objectCategory=person)(mS-DS-ConsistencyGuid=*))", "sAMAccountName")
    assert {e["samaccountname"][0].strip(": ") for e in anchored} == {
        u.sam for u in made if u.consistency_guid is not None
    }
    disabled = search(root, "(userAccountControl:1.2.840.113556.1.4.803:=2)", "sAMAccountName")
    assert {u.sam for u in made if not u.enabled} <= {e["samaccountname"][0].strip(": ") for e in disabled}
