"""UPN facts: the documented query's T-SQL semantics, sync rules, public domains."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.facts import upn
from scanner.facts.domains import covered_by, non_public_reason


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


@pytest.mark.parametrize(
    ("value", "codes"),
    [
        ("ann@contoso.com", []),
        ("o'brien@contoso.com", []),
        ("jsmith", ["no_at"]),
        ("x@y@contoso.com", ["multiple_at"]),
        ("john@", ["empty_domain"]),
        (" ann@contoso.com", ["spaces"]),
        ("ann smith@contoso.com", ["spaces", "invalid_characters"]),
        ("müller@contoso.com", ["invalid_characters"]),
        ("a+b@contoso.com", ["invalid_characters"]),
        ("a" * 65 + "@contoso.com", ["too_long"]),
        ("ann@" + "d" * 45 + ".com", ["too_long"]),
        ("dot.@contoso.com", ["bad_local_part"]),
        ("@contoso.com", ["bad_local_part"]),
    ],
)
def test_sync_rules(value: str, codes: list[str]) -> None:
    assert upn.issues(value) == codes


@pytest.mark.parametrize(
    ("name", "public"),
    [
        ("contoso.com", True),
        ("eu.contoso.com", True),
        ("contoso.co.uk", True),
        ("contoso.swiss", True),
        ("contoso.app", True),
        ("Contoso.COM.", True),
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
    assert covered_by("CONTOSO.com", ["contoso.com"]) == "contoso.com"
    assert covered_by("notcontoso.com", ["contoso.com"]) == ""


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ09.@-_'!#^~ \tüx+,"), max_size=130))
def test_the_fast_path_agrees_with_the_full_rules(value: str) -> None:
    assert upn.clean(value) == (not upn.missing(value) and upn.issues(value) == [])
    if upn.clean(value):
        assert upn.domain(value) == value.split("@")[1].lower()
