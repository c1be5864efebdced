"""A check's remediation for one finding: placeholders filled from the finding, or where to find the value.

"EnterpriseEnrollment.<domain>" names this domain's record, "MS=ms########" the domain's verification TXT
when Microsoft Graph gave it (evidence `verification_txt`), "<server>" the server in the evidence. A value
the evidence does not hold is replaced by where to find it, so no row of the plan keeps a placeholder.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scanner.causes import domain_of
from scanner.model import Finding

_RECORD = re.compile(r"(?P<label>[A-Za-z][\w-]*)\.<domain>")
_TXT = re.compile(r"TXT record MS=ms(?:#{8}|…)")
_MX = re.compile(r"MX ms#{8}\.msv1\.invalid")
_PLACEHOLDER = re.compile(r"<(?P<name>[a-z][a-z_ ]*)>")
# Evidence keys a placeholder's value may stand under.
_ALIASES = {"server": ("server", "machine"), "code": ("site",), "name": ("host",)}
# Where to find what the evidence does not hold.
_WHERE = {
    "new": "the new certificate's thumbprint (Get-ChildItem Cert:\\LocalMachine\\My)",
    "server": "the service connection point's server (Administration > Servers and Site System Roles)",
    "code": "the site code (Administration > Site Configuration > Sites)",
    "name": "the federation service name",
    "domain": "each UPN suffix users have",
}


def fill(remediation: str, f: Finding, *, domain: str = "", facts: dict[str, str] | None = None) -> str:
    """`domain` is the cause's domain when it is one; `facts` the values any finding of the cause carries."""
    if "<" not in remediation and "MS=ms" not in remediation and "ms##" not in remediation:
        return remediation  # nothing to fill (most checks): no pattern run, 20,000 rows stay fast
    known = {**(facts or {}), **{k: str(v) for k, v in f.evidence.items() if isinstance(v, str | int)}}
    domain = domain or domain_of(f.target)
    text = remediation
    if domain and "<domain>" in text:
        text = _RECORD.sub(lambda m: f"{m['label']}.{domain}", text).replace("<domain>", domain)
        text = text.replace(" for every UPN suffix users have", "")  # it names this domain now
    if domain:  # "Settings > Domains > the domain" in the admin center: this one
        text = text.replace("Domains > the domain", f"Domains > {domain}")
    if "MS=ms" in text or "ms##" in text:
        txt = known.get("verification_txt", "")
        shown = f"TXT record that the Microsoft 365 admin center shows for {domain or 'the domain'}"
        text = _TXT.sub(f"TXT record {txt}" if txt else shown, text)
        mx = known.get("verification_mx") or (f"{txt[3:]}.msv1.invalid" if txt.startswith("MS=ms") else "")
        text = _MX.sub(f"MX {mx}" if mx else "MX record shown there", text)
    return _PLACEHOLDER.sub(lambda m: _value(m["name"], known, f), text) if "<" in text else text


def _value(name: str, known: dict[str, str], f: Finding) -> str:
    for key in _ALIASES.get(name, (name,)):
        if known.get(key):
            return known[key]
    if name == "name" and (host := urlsplit(f.target).hostname):
        return host
    return _WHERE.get(name, f"the {name}")
