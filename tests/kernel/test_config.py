"""The configuration file: the contract keys load, mistakes are one clear line naming the key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scanner import config
from scanner.config import ConfigError

CONTRACT = r"""
[site]
code = "EC1"
company = "Contoso"
verified_domains = ["contoso.com"]

[scan]
timeout = 10
fail_on = "high"

[sql]
connection_string = "Driver={ODBC Driver 18 for SQL Server};Server=tcp:cm01.contoso.com,1433;Encrypt=yes"
database = "CM_EC1"
user = ""
password_env = "MDMP_SQL_PASSWORD"

[directory]
url = "ldaps://dc01.corp.contoso.com"
start_tls = false
user = "svc-preflight@corp.contoso.com"
password_env = "MDMP_LDAP_PASSWORD"
auth = "simple"
ca_file = ""
base_dn = ""

[dns]
nameservers = []
port = 53
domains = []

[adfs]
url = "https://sts.contoso.com"
ca_file = ""
resolve = {}

[logs]
paths = ['\\cm01\SMS_EC1\Logs']

[checks."adfs.token_signing_expiry"]
warn_days = 35

[[exceptions]]
check = "upn.non_routable_suffix"
target = "corp.contoso.local"
reason = "Legacy OU, users migrate in Q1"
owner = "it-identity@contoso.com"
expires = 2027-03-31
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mdm-preflight.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_contract_key_from_the_design_loads(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, CONTRACT))
    assert cfg.site.verified_domains == ("contoso.com",)
    assert cfg.scan.timeout == 10.0 and cfg.scan.fail_on == "high"
    assert cfg.sql is not None and cfg.sql.password_env == "MDMP_SQL_PASSWORD"
    assert cfg.directory is not None and cfg.directory.auth == "simple"
    assert cfg.logs is not None and cfg.logs.paths == ("\\\\cm01\\SMS_EC1\\Logs",)
    assert cfg.exceptions[0].expires == date(2027, 3, 31)
    assert cfg.checks["adfs.token_signing_expiry"] == {"warn_days": 35}


def test_the_shipped_example_config_loads() -> None:
    example = Path(config.__file__).with_name("example.toml")
    cfg = config.load(example)
    assert cfg.logs is not None and cfg.sql is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[logs]\npath = ['x']\n", "unknown key 'logs.path' (did you mean 'paths'?)"),
        ("[sit]\ncode='x'\n", "unknown section [sit] (did you mean 'site'?)"),
        ("[scan]\ntimeout = 'ten'\n", "'scan.timeout' must be a number"),
        ("[scan]\nfail_on = 'severe'\n", "'severe' is not one of critical, high, medium, low, info, never"),
        ("[[exceptions]]\ncheck = 'logs.errors'\n", "[exceptions[0]] needs 'reason'"),
        ("[site\ncode='x'\n", "invalid TOML"),
        ("[logs]\npaths = [1]\n", "'logs.paths' must be a list of strings"),
        # A timeout of 0 or less would end every network operation at once, nan/inf never.
        ("[scan]\ntimeout = -5\n", "scan.timeout: -5 is out of range; give from 0.1 to 86400 (seconds)"),
        ("[scan]\ntimeout = 0\n", "scan.timeout: 0 is out of range"),
        ("[scan]\ntimeout = nan\n", "scan.timeout: nan is out of range"),
        ("[scan]\ntimeout = inf\n", "scan.timeout: inf is out of range"),
        ("[logs]\ntimeout = -1\n", "logs.timeout: -1 is out of range"),
        ("[directory]\nurl = 'ldaps://dc'\npage_size = 0\n", "directory.page_size: 0 is out of range"),
        ("[sql]\ncsv = 'x.csv'\nsample_users = -1\n", "sql.sample_users: -1 is out of range; give at least"),
        ("[dns]\nport = 70000\n", "dns.port: 70000 is out of range"),
        ("[sql]\nstatus_days = 0\n", "sql.status_days: 0 is out of range; give from 1 to 365 (days)"),
        ("[sql]\nintune_collection = 12\n", "'sql.intune_collection' must be a string"),
        ("[tenant]\nlookups = false\n", "unknown key 'tenant.lookups' (did you mean 'lookup'?)"),
        ("[tenant]\nrate = 0\n", "tenant.rate: 0 is out of range"),
        ("[tenant]\nmax_sync_age_hours = -3\n", "tenant.max_sync_age_hours: -3 is out of range"),
        ("[graph]\ncertificate_password = 'x'\n", "unknown key 'graph.certificate_password'"),
    ],
)
def test_mistakes_are_one_line_naming_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        config.load(path)
    assert expected in str(exc.value) and str(path) in str(exc.value)
    assert "\n" not in str(exc.value).strip()


def test_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mdm-preflight init"):
        config.load(tmp_path / "nope.toml")


def test_absent_section_means_not_configured(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, "[site]\ncode = 'EC1'\n"))
    assert cfg.logs is None and cfg.sql is None and cfg.scan.fail_on == "high"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MDM_PREFLIGHT_FAIL_ON", "MEDIUM")
    monkeypatch.setenv("MDM_PREFLIGHT_TIMEOUT", "3")
    cfg = config.load(write(tmp_path, "[scan]\nfail_on = 'high'\ntimeout = 20\n"))
    assert (cfg.scan.fail_on, cfg.scan.timeout) == ("medium", 3.0)


def test_an_environment_timeout_out_of_range_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MDM_PREFLIGHT_TIMEOUT", "-1")
    with pytest.raises(ConfigError, match="MDM_PREFLIGHT_TIMEOUT: -1 is out of range"):
        config.load(write(tmp_path, "[scan]\ntimeout = 20\n"))


def test_relative_log_paths_start_at_the_config_folder(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, "[logs]\npaths = ['logs', '\\\\cm01\\SMS_EC1\\Logs', 'C:/Logs']\n"))
    assert cfg.base_dir == tmp_path.resolve() and cfg.logs is not None
    # relative: from the config's folder; UNC and drive paths: as written, also when read on Linux
    assert cfg.logs.paths == (str(tmp_path.resolve() / "logs"), "\\\\cm01\\SMS_EC1\\Logs", "C:/Logs")


def test_every_relative_path_key_starts_at_the_config_folder(tmp_path: Path) -> None:
    """One rule for every file a section names, not only the ones each source remembered to join."""
    cfg = config.load(
        write(
            tmp_path,
            "[directory]\nurl = 'ldaps://dc1'\nca_file = 'ca.pem'\nevidence = 'e.json'\n"
            "[sql]\ncsv = 'users.csv'\n[adfs]\nurl = 'https://sts.contoso.com'\nca_file = 'a/ca.pem'\n"
            "[apns]\ncertificate = 'push.pem'\n[report]\nlogo = 'logo.png'\n",
        )
    )
    base = tmp_path.resolve()
    assert cfg.directory is not None and cfg.sql is not None and cfg.adfs is not None and cfg.apns is not None
    assert cfg.directory.ca_file == str(base / "ca.pem") and cfg.directory.evidence == str(base / "e.json")
    assert cfg.sql.csv == str(base / "users.csv") and cfg.adfs.ca_file == str(base / "a" / "ca.pem")
    assert cfg.apns.certificate == str(base / "push.pem") and cfg.report.logo == str(base / "logo.png")
