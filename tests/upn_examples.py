"""The UPN examples every path is tested with: what synchronization rejects, what it takes, and why."""

from __future__ import annotations

VERIFIED = ("contoso.com",)

# (UPN, classes with no verified list, classes with VERIFIED). Classes are scanner.facts.upn.verdict's:
# "missing", the ISSUES keys, "malformed_domain" (no host name), "non_routable", "unverified".
TABLE: list[tuple[str | None, list[str], list[str]]] = [
    # What synchronization rejects and once passed every check: judged as written, whatever the list.
    ("john@contoso.com.", ["malformed_domain"], ["malformed_domain"]),
    ("mary@contoso.com..", ["malformed_domain"], ["malformed_domain"]),
    ("ann@sub-.contoso.com", ["malformed_domain"], ["malformed_domain"]),
    ("eve@contoso-.com", ["malformed_domain"], ["malformed_domain"]),
    ("bob@-contoso.com", ["malformed_domain"], ["malformed_domain"]),
    ("x@xn--.com", ["malformed_domain"], ["malformed_domain"]),
    ("john@.contoso.com", ["malformed_domain"], ["malformed_domain"]),
    ("jo..hn@contoso.com", ["double_dot"], ["double_dot"]),  # IdFix rejects it; Microsoft is silent
    ("zoe@contoso.za", ["non_routable"], ["non_routable"]),  # .za is listed; contoso.za is not registrable
    # Where we differ from IdFix on purpose.
    ("john@co.uk", ["non_routable"], ["non_routable"]),  # a bare public suffix
    ("dev@contoso.app", [], ["unverified"]),  # .app is missing from IdFix's frozen TLD list
    ("a" * 64 + "@contoso.com", [], []),  # the documented 64 before the @
    ("a" * 65 + "@contoso.com", ["too_long"], ["too_long"]),
    (None, ["missing"], ["missing"]),
    ("   ", ["missing"], ["missing"]),  # IdFix files it under its character rule
    # The rest of the rule.
    ("jsmith", ["no_at"], ["no_at"]),
    ("x@y@contoso.com", ["multiple_at"], ["multiple_at"]),
    ("john@", ["empty_domain"], ["empty_domain"]),
    (" ann@contoso.com", ["spaces"], ["spaces"]),
    ("ann smith@contoso.com", ["spaces", "invalid_characters"], ["spaces", "invalid_characters"]),
    ("müller@contoso.com", ["invalid_characters"], ["invalid_characters"]),
    ("a+b@contoso.com", ["invalid_characters"], ["invalid_characters"]),
    ("ann@" + "d" * 45 + ".com", ["too_long"], ["too_long", "unverified"]),
    ("dot.@contoso.com", ["bad_local_part"], ["bad_local_part"]),
    ("@contoso.com", ["bad_local_part"], ["bad_local_part"]),
    ("lou@corp.contoso.local", ["non_routable"], ["non_routable"]),
    ("tina@x.notatld", ["non_routable"], ["non_routable"]),
    ("erin@fabrikam.com", [], ["unverified"]),
    # Healthy controls.
    ("alice@contoso.com", [], []),
    ("o'brien@contoso.com", [], []),
    ("kim@eu.contoso.com", [], []),
]

# The examples and the controls, for the end-to-end paths (CSV export, Active Directory).
MALFORMED = [u for u, _, _ in TABLE[:9] if u]
CONTROLS = ["alice@contoso.com", "o'brien@contoso.com", "kim@eu.contoso.com"]
