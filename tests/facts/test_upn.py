"""UPN facts: the documented query's T-SQL semantics, sync rules, public domains."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.facts import upn
from scanner.facts.domains import covered_by, non_public_reason
from tests.upn_examples import TABLE, VERIFIED


@pytest.mark.parametrize(
    ("value", "suffix"),
    [
        ("john@contoso.com", "contoso.com"),
        ("john", "john"),  # no @: the whole string
        (None, None),
        ("", ""),
        ("john@", ""),
        ("john@contoso.com ", "ontoso.com "),  # each trailing space costs a letter
        ("john@contoso.com   ", "toso.com   "),
        ("  john@contoso.com", "contoso.com"),
        ("a@b@contoso.com", "b@contoso.com"),  # split at the FIRST @
        ("   ", ""),
        ("tab@contoso.com\t", "contoso.com\t"),  # LEN trims spaces only
    ],
)
def test_doc_suffix_matches_t_sql(value: str | None, suffix: str | None) -> None:
    assert upn.doc_suffix(value) == suffix


def test_group_key_is_case_insensitive_and_ignores_trailing_spaces() -> None:
    assert upn.group_key("Contoso.COM ") == upn.group_key("contoso.com") == "contoso.com"
    assert upn.group_key(None) is None


@pytest.mark.parametrize(("value", "plain", "with_list"), TABLE)
def test_the_one_rule_classifies_every_example(
    value: str | None, plain: list[str], with_list: list[str]
) -> None:
    assert upn.verdict(value) == plain
    assert upn.verdict(value, VERIFIED) == with_list


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("contoso.com.", "ends with a dot; directory synchronization takes a UPN's domain as written"),
        ("contoso.com..", "ends with a dot"),
        (".contoso.com", "starts with a dot"),
        ("a..com", "has an empty label (two dots in a row)"),
        ("sub-.contoso.com", "starts or ends with a hyphen (sub-); host names may not (RFC 1123)"),
        ("-contoso.com", "hyphen (-contoso)"),
        ("xn--.com", "has an empty punycode label (xn--)"),
        ("x.xn--zz", "punycode label that does not decode (xn--zz)"),
        ("contoso.za", "is not a registrable domain: the Public Suffix List takes names under .za only"),
        ("contoso.notatld", "ends in .notatld, which is not a top-level domain on the Public Suffix List"),
        ("co.uk", "is itself a public suffix"),
    ],
)
def test_reasons_say_what_is_wrong(name: str, reason: str) -> None:
    assert reason in non_public_reason(name)


def test_za_is_a_top_level_domain_on_the_list() -> None:
    assert "not a top-level domain" not in non_public_reason("contoso.za")
    assert non_public_reason("contoso.co.za") == ""


@pytest.mark.parametrize(
    ("name", "public"),
    [
        ("contoso.com", True),
        ("eu.contoso.com", True),
        ("contoso.co.uk", True),
        ("contoso.swiss", True),
        ("contoso.app", True),
        ("Contoso.COM.", False),  # judged as written: the trailing dot is a fault
        ("x.xn--p1ai", True),
        ("corp.contoso.local", False),
        ("contoso.lan", False),
        ("x.internal", False),
        ("x.corp", False),
        ("x.home", False),
        ("x.localdomain", False),
        ("x.test", False),
        ("x.example", False),
        ("x.invalid", False),
        ("x.localhost", False),
        ("contoso", False),
        ("co.uk", False),
        ("contoso.notatld", False),
        ("a..com", False),
        ("y@contoso.com", False),
        ("ontoso.com ", True),
    ],
)
def test_public_domains_from_the_public_suffix_list(name: str, public: bool) -> None:
    assert (non_public_reason(name) == "") is public


def test_verified_root_domain_covers_subdomains_only() -> None:
    assert covered_by("eu.contoso.com", ["contoso.com"]) == "contoso.com"
    assert covered_by("contoso.com.", ["contoso.com"]) == ""  # another name, as written
    assert covered_by("contoso.com", ["contoso.com."]) == "contoso.com"  # the configured list may carry one
    assert covered_by("CONTOSO.com", ["contoso.com"]) == "contoso.com"
    assert covered_by("notcontoso.com", ["contoso.com"]) == ""


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ09..@-_'!#^~ \tüx+,"), max_size=130))
def test_the_fast_path_agrees_with_the_full_rules(value: str) -> None:
    assert upn.clean(value) == (not upn.missing(value) and upn.issues(value) == [])
    if upn.clean(value):
        assert upn.domain(value) == value.split("@")[1].lower()


# The documented rule, written apart from scanner.facts.upn: Microsoft 365's character list and lengths,
# and an RFC 1123 host name (labels of letters, digits and inner hyphens; an alphabetic top label).
_DOC_LOCAL = re.compile(r"[A-Za-z0-9'.\-_!#^~]{1,64}")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def documented_valid(value: str) -> bool:
    if value.count("@") != 1 or len(value) > upn.MAX_TOTAL:
        return False
    local, dom = value.split("@")
    labels = dom.lower().split(".")
    return (
        bool(_DOC_LOCAL.fullmatch(local))
        and not local.endswith(".")
        and 0 < len(dom) <= upn.MAX_DOMAIN
        and len(labels) >= 2
        and all(_LABEL.fullmatch(label) for label in labels)
        and not labels[-1].isdigit()
    )


_LABELS = st.sampled_from(["contoso", "eu", "sub-", "-x", "xn--", "xn--p1ai", "a1", "co", "", "x" * 64])
_TOPS = st.sampled_from(["com", "co.uk", "za", "co.za", "uk", "local", "app", "notatld", "xn--p1ai", "42"])
_DOMAINS = st.builds(
    lambda labels, top, dots: "." * dots[0] + ".".join([*labels, top]) + "." * dots[1],
    st.lists(_LABELS, max_size=3),
    _TOPS,
    st.tuples(st.integers(0, 1), st.integers(0, 2)),
)
_LOCALS = st.from_regex(r"[A-Za-z0-9'_!#^~-]{1,8}(\.[a-z0-9]{1,5}){0,2}", fullmatch=True) | st.text(
    alphabet=st.sampled_from("aZ09..'-_!#^~ +ü@"), max_size=70
)
_UPNS = st.builds(lambda local, dom: f"{local}@{dom}", _LOCALS, _DOMAINS)


@settings(max_examples=2000, deadline=None)
@given(_UPNS | st.text(alphabet=st.sampled_from("aZ09.@-_'!#^~ üx+"), max_size=120))
def test_everything_the_rule_accepts_is_a_documented_upn(value: str) -> None:
    if upn.verdict(value) == []:
        assert documented_valid(value), value


_ATOMS = st.text(alphabet=st.sampled_from("aZ09'-_!#^~"), min_size=1, max_size=10)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(_ATOMS, min_size=1, max_size=5),
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True),
)
def test_documented_upns_in_a_public_domain_are_accepted(atoms: list[str], sub: str) -> None:
    """The property above is not vacuous: dot-atoms of the documented characters under a public
    domain pass the rule."""
    value = f"{'.'.join(atoms)}@{sub}.contoso.com"
    assert documented_valid(value)
    assert upn.verdict(value) == []


def test_collisions_are_what_normalisation_makes_one() -> None:
    found = upn.collisions(
        ["john@contoso.com", "John@Contoso.com.", "tom@x.com ", "tom@x.com", "A@b.com", "a@b.com"]
    )
    assert found == {
        "john@contoso.com": ["john@contoso.com", "john@contoso.com."],
        "tom@x.com": ["tom@x.com", "tom@x.com "],
    }  # a@b.com / A@b.com differ in case only: already duplicates, reported by upn.duplicate
    assert upn.differences(["John@Contoso.com.", "john@contoso.com"]) == "a trailing dot and letter case"
    assert upn.differences(["tom@x.com ", "tom@x.com"]) == "surrounding spaces"
    assert upn.collisions(["alice@contoso.com", "bob@contoso.com"]) == {}
    assert upn.collisions([" ", "   ", "", "jsmith.", "jsmith"]) == {}  # blank, or no @: nothing to collide


def _sources_verdict(value: str | None) -> tuple[list[str], list[str]]:
    """What the site database's and the directory's tallies make of one user, in verdict's classes:
    the problem groups they file the user under, then the rule applied to the domain group."""
    from scanner.facts.domains import judge
    from scanner.sources.directory import _UserTally
    from scanner.sources.sql import _Tally

    sql = _Tally(limit=5)
    sql.add("u", "CORP\\u", value)
    ad = _UserTally(limit=5, netbios="CORP")
    attrs = {"samaccountname": [b"u"], "useraccountcontrol": [b"512"]}
    ad.add("CN=u,DC=x", attrs | ({} if value is None else {"userprincipalname": [value.encode()]}))
    out = []
    for issues, domains in (
        ([g.key for g in sql.section("issues")], [g.key for g in sql.section("domains")]),
        ([g.key for g in ad.groups("issues")], [g.key for g in ad.groups("domains")]),
    ):
        kinds = [k for d in domains if (k := judge(d, VERIFIED)[0]) != "ok"]
        out.append(sorted(issues, key=[*upn.ISSUES, "missing"].index) + kinds)
    return out[0], out[1]


@settings(max_examples=400, deadline=None)
@given(_UPNS | st.none() | st.sampled_from([u for u, _, _ in TABLE]))
def test_both_sources_apply_the_one_rule(value: str | None) -> None:
    expected = upn.verdict(value, VERIFIED)
    assert _sources_verdict(value) == (expected, expected)


_ODD = st.text(alphabet=st.sampled_from("aZ09.@-_ \n\r\t\u00a0ü"), max_size=30)


@settings(max_examples=400, deadline=None)
@given(st.lists(_UPNS | _ODD | st.sampled_from([u for u, _, _ in TABLE if u is not None]), max_size=40))
def test_one_pass_over_a_batch_judges_each_upn_as_alone(values: list[str]) -> None:
    """Line breaks inside a UPN, empty lines, an @ on the next line: the batch pass never joins two."""
    assert upn.clean_domains(values) == [m[1] if (m := upn.CLEAN.fullmatch(v)) else "" for v in values]


# (User_Name0, Unique_User_Name0, UPN) rows as the site database returns them, in batches of 1 to 25
_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["", "n1", "n2"]),
        st.sampled_from(["", "CORP\\a", "CORP\\b", "corp\\A", "CORP\\c"]),
        st.none() | _UPNS | _ODD | st.sampled_from(["a@Contoso.com", "b@contoso.COM", "c@fabrikam.com "]),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(_ROWS, st.integers(0, 3), st.integers(1, 25))
def test_the_site_database_tally_of_a_batch_is_that_of_its_rows_one_by_one(
    rows: list[tuple[str, str, str | None]], limit: int, size: int
) -> None:
    """What the sql source makes of fetched batches (the fast path) equals add() row by row: the same
    counts, the same users named in the same groups, the same UPN map."""
    from scanner.sources.sql import _Tally

    batched, single = _Tally(limit=limit), _Tally(limit=limit)
    for i in range(0, len(rows), size):
        batched.add_rows(rows[i : i + size])
    for row in rows:
        single.add(*row)
    for tally in (batched, single):
        tally.upns = dict(tally.upns)
    assert batched.users == single.users and batched.upns == single.upns
    assert list(batched.upns) == list(single.upns)
    for kind in ("domains", "issues"):
        assert batched.section(kind) == single.section(kind)
    assert batched.collisions() == single.collisions()


@settings(max_examples=200, deadline=None)
@given(_ROWS, st.integers(0, 3), st.integers(1, 25))
def test_a_collections_members_tallied_by_batch_are_those_judged_one_by_one(
    rows: list[tuple[str, str, str | None]], limit: int, size: int
) -> None:
    """The Intune collection's members (sitedb) go through the batch path without a UPN map: the same
    groups and users named as judging each member alone under its unique name, else its name."""
    from scanner.sources.sql import _Tally

    batched, single = _Tally(limit=limit), _Tally(limit=limit)
    for i in range(0, len(rows), size):
        batched.add_rows(rows[i : i + size], mapped=False)
    for name, unique, value in rows:
        single.add(unique or name, "", value)
    assert batched.users == single.users and batched.upns == {} == single.upns
    for kind in ("domains", "issues"):
        assert batched.section(kind) == single.section(kind)
