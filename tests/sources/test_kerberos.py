"""auth = "kerberos" against the Samba lab's DC, a real KDC: no password anywhere, one bind per scan."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.config import DirectoryConfig
from scanner.sources.directory import DirectorySourceError, collect_directory
from tests.conftest import SAMPLES
from tests.lab.kerberos import SPN, KerberosLab
from tests.lab.samba import READER_UPN, TLS_NAME, SambaLab

PW_ENV = "MDMP_TEST_KRB_LDAP_PW"


def kcfg(lab: SambaLab, **kw: object) -> DirectoryConfig:
    base: dict[str, object] = {
        "url": lab.ldaps_url,
        "auth": "kerberos",
        "spn": SPN,
        "ca_file": str(lab.ca_file),
    }
    return DirectoryConfig(**{**base, **kw})  # type: ignore[arg-type]


def password_evidence(lab: SambaLab, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setenv(PW_ENV, lab.reader_password)
    cfg = DirectoryConfig(url=lab.ldaps_url, user=READER_UPN, password_env=PW_ENV, ca_file=str(lab.ca_file))
    return collect_directory(cfg, timeout=10)


@pytest.mark.parametrize("how", ["ldaps", "starttls"])
def test_a_ticket_alone_reads_what_a_password_reads_in_one_bind(
    kerberos_lab: KerberosLab, ticket: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    dc = kerberos_lab.dc
    cfg = kcfg(dc) if how == "ldaps" else kcfg(dc, url=dc.ldap_url, start_tls=True)
    mark = dc.log_mark()
    ev = collect_directory(cfg, timeout=10)
    time.sleep(0.2)  # the DC writes its audit line after answering
    assert dc.binds_since(mark) == [("LDAP,krb5", dc.reader_sam)]  # the DC's record: one Kerberos bind
    assert ev == password_evidence(dc, monkeypatch)


@pytest.mark.parametrize("named", [True, False], ids=["principal", "first-in-keytab"])
def test_a_keytab_needs_no_ticket_cache(
    kerberos_lab: KerberosLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, named: bool
) -> None:
    absent = tmp_path / "no-ccache"
    for key, value in kerberos_lab.env(absent).items():
        monkeypatch.setenv(key, value)
    principal = kerberos_lab.principal if named else ""
    cfg = kcfg(kerberos_lab.dc, keytab=str(kerberos_lab.keytab), principal=principal)
    mark = kerberos_lab.dc.log_mark()
    assert collect_directory(cfg, timeout=10).users > 0
    time.sleep(0.2)
    assert kerberos_lab.dc.binds_since(mark) == [("LDAP,krb5", kerberos_lab.dc.reader_sam)]
    assert not absent.exists()  # the ticket stayed in memory: nothing written


def test_plain_ldap_says_signing_and_what_to_change_without_binding(
    kerberos_lab: KerberosLab, ticket: Path
) -> None:
    dc = kerberos_lab.dc
    mark = dc.log_mark()
    with pytest.raises(DirectorySourceError) as err:
        collect_directory(kcfg(dc, url=dc.ldap_url), timeout=5)
    assert str(err.value) == (
        f"{dc.ldap_url}: Kerberos on plain LDAP needs LDAP signing, which this tool's LDAP library "
        "cannot do, and domain controllers refuse unsigned binds (Windows Server 2025 by default): use "
        f'url = "ldaps://{dc.host}", or keep ldap:// and set start_tls = true'
    )
    time.sleep(0.2)
    assert dc.binds_since(mark) == []


def one_line_within(cfg: DirectoryConfig, timeout: float = 3) -> str:
    t0 = time.monotonic()
    with pytest.raises(DirectorySourceError) as err:
        collect_directory(cfg, timeout=timeout)
    assert time.monotonic() - t0 < timeout
    message = str(err.value)
    assert "\n" not in message
    return message


def test_no_ticket_is_one_line(
    kerberos_lab: KerberosLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in kerberos_lab.env(tmp_path / "empty").items():
        monkeypatch.setenv(key, value)
    message = one_line_within(kcfg(kerberos_lab.dc))
    cache = f"FILE:{tmp_path / 'empty'}"
    assert message.startswith(
        f"{kerberos_lab.dc.ldaps_url}: no Kerberos ticket for this account (ticket cache {cache})"
    )


def test_an_expired_ticket_is_one_line(
    kerberos_lab: KerberosLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ccache = kerberos_lab.kinit(tmp_path / "ccache", lifetime="2s")
    for key, value in kerberos_lab.env(ccache).items():
        monkeypatch.setenv(key, value)
    time.sleep(2.5)
    message = one_line_within(kcfg(kerberos_lab.dc))
    assert (
        f"the Kerberos ticket of this account (ticket cache FILE:{ccache}) has expired: renew it" in message
    )


def test_a_wrong_spn_is_one_line(kerberos_lab: KerberosLab, ticket: Path) -> None:
    message = one_line_within(kcfg(kerberos_lab.dc, spn="ldap/dc9.corp.contoso.test"))
    assert (
        "the domain has no service principal ldap/dc9.corp.contoso.test: put the domain controller's"
        in message
    )
    assert "Server not found in Kerberos database" in message


def test_the_default_spn_is_the_url_host(kerberos_lab: KerberosLab, ticket: Path) -> None:
    """An address in the URL is not a service principal: the message says to use the DC's name."""
    message = one_line_within(kcfg(kerberos_lab.dc, spn=""))
    assert f"the domain has no service principal ldap/{kerberos_lab.dc.host}:" in message


def test_a_stopped_kdc_is_one_line(kerberos_lab: KerberosLab, ticket: Path) -> None:
    with kerberos_lab.kdc_stopped():
        message = one_line_within(kcfg(kerberos_lab.dc))
    assert "no Kerberos KDC answered for the realm of" in message
    assert "port 88" in message


def test_password_settings_with_kerberos_are_refused(kerberos_lab: KerberosLab, ticket: Path) -> None:
    message = one_line_within(kcfg(kerberos_lab.dc, user=READER_UPN, password_env=PW_ENV))
    assert message.startswith('[directory] auth = "kerberos" binds with the Kerberos identity')


def test_kerberos_settings_without_auth_kerberos_are_refused(kerberos_lab: KerberosLab, ticket: Path) -> None:
    """A keytab set but auth forgotten would bind anonymously: refused instead."""
    message = one_line_within(kcfg(kerberos_lab.dc, auth="simple", keytab="x.keytab", principal="a@B"))
    assert (
        message == '[directory] keytab, principal and spn: only for auth = "kerberos"; set it, or remove them'
    )


def test_a_bad_spn_setting_is_one_line(kerberos_lab: KerberosLab, ticket: Path) -> None:
    message = one_line_within(kcfg(kerberos_lab.dc, spn="HTTP/dc1.corp.contoso.test"))
    assert message.endswith("give ldap/<DC's DNS name>, like ldap/dc01.contoso.com")


def write_config(tmp_path: Path, lab: SambaLab, **directory: str) -> Path:
    path = tmp_path / "c.toml"
    extra = "".join(f"{k} = '{v}'\n" for k, v in ({"url": lab.ldaps_url} | directory).items())
    path.write_text(
        "[site]\ncode = 'EC1'\nverified_domains = ['contoso.com']\n[scan]\ntimeout = 5\n"
        f"[logs]\npaths = ['{SAMPLES / 'healthy'}']\n"
        f"[directory]\nauth = 'kerberos'\nspn = '{SPN}'\nca_file = '{lab.ca_file}'\n"
        f"{extra}[checks.'logs.cloudusersync_stale']\nrelative_to = 'newest'\n",
        encoding="utf-8",
    )
    return path


def test_a_scan_with_only_a_ticket_reads_the_dc_and_leaks_no_key(
    kerberos_lab: KerberosLab, tmp_path: Path
) -> None:
    """End to end through the CLI, with the libraries' debug log on: no password is set anywhere, and no
    key from the keytab or the ticket cache appears in any report, log or the terminal."""
    ccache = kerberos_lab.kinit(tmp_path / "ccache")
    out, logs = tmp_path / "o", tmp_path / "logs" / "scan.log"
    r = CliRunner().invoke(
        app,
        ["scan", "-c", str(write_config(tmp_path, kerberos_lab.dc)), "-o", str(out), "--log-file", str(logs),
         "--debug"],
        env=kerberos_lab.env(ccache),
    )  # fmt: skip
    assert r.exit_code == 1, r.output  # the seeded forest's findings
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    by = {x["check"]["id"]: x for x in data["results"]}
    assert by["upn.directory_users"]["status"] == "fail"
    assert by["sync.hybrid_join_scp"]["status"] == "pass"
    keys = kerberos_lab.keys() + kerberos_lab.keys(ccache=ccache)
    assert len(keys) >= 3  # the keytab's keys, the TGT's and the LDAP ticket's session keys
    written = b"".join(p.read_bytes() for p in [*out.iterdir(), logs]) + r.output.encode()
    import base64

    for key in keys:
        for form in (key, key.hex().encode(), key.hex().upper().encode(), base64.b64encode(key).rstrip(b"=")):
            assert form not in written


def test_without_the_extra_the_scan_is_one_line_naming_it(tmp_path: Path) -> None:
    """A plain install (no gssapi): before anything is scanned, one line says what to install; exit 2."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        "[scan]\ntimeout = 2\n[directory]\nurl = 'ldaps://dc01.corp.contoso.test'\nauth = 'kerberos'\n",
        encoding="utf-8",
    )
    blocked = "import sys; sys.modules['gssapi'] = sys.modules['winkerberos'] = None"  # as if not installed
    done = subprocess.run(
        [sys.executable, "-c", f"{blocked}; from scanner.cli import main; main()", "scan", "-c", str(cfg),
         "-o", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [
        f'mdm-preflight: error: {cfg}: [directory] auth = "kerberos" needs the kerberos extra (gssapi is not '
        'installed): apt-get install gcc python3-dev libkrb5-dev, then pip install "mdm-preflight[kerberos]"'
    ]
    assert not (tmp_path / "o").exists()  # nothing scanned, nothing written


def test_kerberos_on_plain_ldap_stops_the_scan_before_it_starts(tmp_path: Path) -> None:
    path = write_config(tmp_path, SambaLab(root=tmp_path), url="ldap://dc01.corp.contoso.test")
    r = CliRunner().invoke(app, ["scan", "-c", str(path), "-o", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert r.stderr.splitlines() == [
        f"mdm-preflight: error: {path}: ldap://dc01.corp.contoso.test: Kerberos on plain LDAP needs LDAP "
        "signing, which this tool's LDAP library cannot do, and domain controllers refuse unsigned binds "
        '(Windows Server 2025 by default): use url = "ldaps://dc01.corp.contoso.test", or keep ldap:// and '
        "set start_tls = true"
    ]


def test_a_linux_scan_by_the_dcs_name_needs_nothing_but_a_ticket(
    kerberos_lab: KerberosLab, tmp_path: Path
) -> None:
    """The way an admin runs it: url = ldaps://<the DC's name>, no spn, no password, a ticket from kinit.
    The name resolves in a private mount namespace whose /etc/hosts names the lab's DC (the machine's own
    file is untouched); the SPN ldap/dc1.corp.contoso.test comes from the URL."""
    if not shutil.which("unshare"):
        pytest.skip("unshare (util-linux) missing")
    dc = kerberos_lab.dc
    hosts = tmp_path / "hosts"
    hosts.write_text(
        Path("/etc/hosts").read_text(encoding="utf-8") + f"\n{dc.host} {TLS_NAME}\n", encoding="utf-8"
    )
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f"[site]\ncode = 'EC1'\nverified_domains = ['contoso.com']\n[scan]\ntimeout = 5\n"
        f"[directory]\nurl = 'ldaps://{TLS_NAME}'\nauth = 'kerberos'\nca_file = '{dc.ca_file}'\n",
        encoding="utf-8",
    )
    scan = [
        sys.executable,
        "-m",
        "scanner",
        "scan",
        "-c",
        str(cfg),
        "-o",
        str(tmp_path / "o"),
        "--only",
        "upn.*",
    ]
    inner = f"mount --bind {shlex.quote(str(hosts))} /etc/hosts && exec {shlex.join(scan)}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KRB5", "MDMP"))}
    env |= kerberos_lab.env(kerberos_lab.kinit(tmp_path / "ccache")) | {"PYTHONPATH": str(SAMPLES.parent)}
    mark = dc.log_mark()
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", inner],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr  # the seeded forest's findings
    data = json.loads((tmp_path / "o" / "evidence.json").read_text(encoding="utf-8"))
    assert data["directory"]["server"] == TLS_NAME and data["directory"]["users"] > 20
    time.sleep(0.2)
    assert dc.binds_since(mark) == [("LDAP,krb5", dc.reader_sam)]


@pytest.mark.parametrize(
    ("text", "meaning"),
    [
        # MIT krb5 through python-gssapi (Linux); the lab cannot move a clock, so the words are given
        (
            "Major (851968): Unspecified GSS failure. Minor code may provide more information, "
            "Minor (2529638949): Clock skew too great",
            "this computer's clock differs from the domain controller's by more than Kerberos allows",
        ),
        # Windows SSPI through winkerberos (the messages Windows gives for the same causes)
        (
            "SSPI: InitializeSecurityContext: The clocks on the client and server machines are skewed.",
            "this computer's clock differs from the domain controller's",
        ),
        (
            "SSPI: InitializeSecurityContext: The specified target is unknown or unreachable",
            "the domain has no service principal ldap/dc01.contoso.com",
        ),
        (
            "SSPI: InitializeSecurityContext: No credentials are available in the security package",
            "no Kerberos ticket for the Windows logon session",
        ),
        (
            "SSPI: InitializeSecurityContext: No authority could be contacted for authentication.",
            "no Kerberos KDC answered",
        ),
    ],
)
def test_kerberos_causes_in_both_backends_words(text: str, meaning: str) -> None:
    from scanner.sources.net import kerberos

    line = kerberos.explain(RuntimeError(text), "the Windows logon session", "ldap/dc01.contoso.com")
    assert line.startswith(meaning) and line.endswith(f"({' '.join(text.split())})")


def test_a_keytab_without_the_principal_is_one_line(
    kerberos_lab: KerberosLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in kerberos_lab.env(tmp_path / "no-ccache").items():
        monkeypatch.setenv(key, value)
    other = f"Administrator@{kerberos_lab.principal.split('@')[1]}"
    message = one_line_within(kcfg(kerberos_lab.dc, keytab=str(kerberos_lab.keytab), principal=other))
    assert message == (
        f"{kerberos_lab.dc.ldaps_url}: [directory] keytab {kerberos_lab.keytab} holds no key for {other}: "
        f"klist -k {kerberos_lab.keytab} lists what it holds; set [directory] principal to one of them"
    )
    missing = tmp_path / "gone.keytab"
    message = one_line_within(kcfg(kerberos_lab.dc, keytab=str(missing), principal=other))
    assert message == f"{kerberos_lab.dc.ldaps_url}: [directory] keytab {missing}: no such file"


def test_a_password_setting_beside_kerberos_stops_the_scan_without_asking(tmp_path: Path) -> None:
    """No password is read or asked for a bind that would not use it: the line says what to remove."""
    path = write_config(
        tmp_path, SambaLab(root=tmp_path), user=READER_UPN, password_env="MDMP_TEST_UNSET_KRB_PW"
    )
    r = CliRunner().invoke(app, ["scan", "-c", str(path), "-o", str(tmp_path / "o")], env={PW_ENV: None})
    assert r.exit_code == 2 and not (tmp_path / "o").exists()
    assert r.stderr.splitlines() == [
        f'mdm-preflight: error: {path}: [directory] auth = "kerberos" binds with the Kerberos identity of '
        "the account running the scan: remove user and password_env (principal and keytab choose another "
        "identity on Linux)"
    ]
