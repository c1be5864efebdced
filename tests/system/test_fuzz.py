"""Fuzzing every reader of outside input with near-valid documents (see tests/fuzzing.py).

CI-sized: a few hundred inputs per reader. bench/fuzz_bench.py runs the same properties a million
times. Each property: the reader returns a value or raises its own one-line error naming the file —
never another exception, never a hang (hypothesis' deadline), and time linear in the input.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.sources.logs import TimeRule, collect_logs
from scanner.sources.parse.fedmeta import parse_metadata
from tests.fuzzing import TARGETS, mutate, run_one

FUZZ = settings(
    max_examples=300,
    deadline=5000,  # milliseconds: a hang or a quadratic blow-up fails; a slow shared machine does not
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


@pytest.mark.parametrize("name", sorted(TARGETS))
@FUZZ
@given(rng=st.randoms(use_true_random=False))
def test_reader_keeps_its_contract_on_near_valid_input(tmp_path: Path, name: str, rng: random.Random) -> None:
    run_one(TARGETS[name], mutate(rng, TARGETS[name]), tmp_path)


@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(max_examples=60, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096))
def test_reader_keeps_its_contract_on_random_bytes(tmp_path: Path, name: str, data: bytes) -> None:
    run_one(TARGETS[name], data, tmp_path)


# --- linear time -------------------------------------------------------------------------------------

CCM = b'<![LOG[x]LOG]!><time="1" date="1-1-2026" component="c" context="" type="1" thread="1" file="f">'
SMS = b"x  $$<c><1-1-2026 00:00:00.000+000><thread=1>\r\n"
# (what comes first, the unit repeated): each once took time growing with the square of the repeats.
HOSTILE_LOGS = {
    "ccm starts": (CCM, b"<![LOG["),
    "ccm terminators": (CCM + b"<![LOG[x", b"]LOG]!><"),
    "ccm attribute names": (CCM + b"<![LOG[x]LOG]!><", b"abcdefgh"),
    "sms headers": (SMS, b"$$<"),
    "sms fields": (SMS, b"$$<a><b><thread=1"),
    "user failures": (SMS, b"Failed to add user x "),
    "plain line": (b"", b"x"),
}


def _cost(path: Path, data: bytes) -> float:
    path.write_bytes(data)
    best = float("inf")
    for _ in range(3):  # the best of three: a busy neighbour makes a run slower, never faster
        began = time.perf_counter()
        collect_logs([str(path)], TimeRule())
        best = min(best, time.perf_counter() - began)
    return best


@pytest.mark.parametrize("case", sorted(HOSTILE_LOGS))
def test_log_reading_time_grows_linearly_with_hostile_input(tmp_path: Path, case: str) -> None:
    """Four times the input costs about four times the work: quadratic would be sixteen."""
    head, unit = HOSTILE_LOGS[case]
    n = 300_000 // len(unit)
    path = tmp_path / "Cloudusersync.log"  # through the sync reader too
    small = _cost(path, head + unit * n)
    large = _cost(path, head + unit * (4 * n))
    assert large < 8 * small + 0.05, f"{case}: {small:.3f} s, then {large:.3f} s for four times the input"


# --- hostile XML is refused, never expanded -------------------------------------------------------------


@pytest.mark.parametrize(
    "doc",
    [
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<EntityDescriptor>&lol2;</EntityDescriptor>",
        b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>',
        b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd"><x/>',
    ],
)
def test_federation_metadata_with_a_dtd_is_refused(doc: bytes) -> None:
    meta = parse_metadata(doc)
    assert meta.error.startswith("refused") and not meta.entity_id


@pytest.mark.parametrize(
    ("doc", "error"),
    [
        (b'<?xml version="1.0" encoding="x-unknown"?><a/>', "not XML"),  # LookupError escaped
        (b'<?xml version="1.0" encoding="utf-32"?><a/>', "not XML"),  # ValueError escaped
        (b"<a>" * 100_000, "not XML"),
    ],
)
def test_federation_metadata_in_odd_encodings_is_an_error_value(doc: bytes, error: str) -> None:
    assert parse_metadata(doc).error.startswith(error)


# --- certificates: damaged in ways cryptography reports with its own exception types ------------------


def _tlv(tag: int, body: bytes) -> bytes:
    n = len(body)
    size = (
        bytes([n])
        if n < 128
        else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8)
    )
    return bytes([tag]) + size + body


def _items(der: bytes) -> list[tuple[int, bytes]]:
    out, i = [], 0
    while i < len(der):
        tag, n, i = der[i], der[i + 1], i + 2
        if n & 0x80:
            k = n & 0x7F
            n, i = int.from_bytes(der[i : i + k]), i + k
        out.append((tag, der[i : i + n]))
        i += n
    return out


def _with_duplicate_extension(der: bytes) -> bytes:
    [(_, cert)] = _items(der)
    (_, tbs), *rest = _items(cert)
    fields = _items(tbs)
    tag, ext_wrap = fields[-1]  # [3] EXPLICIT Extensions
    [(_, exts)] = _items(ext_wrap)
    first = _items(exts)[0]
    exts2 = _tlv(0x30, _tlv(*first) + exts)
    tbs2 = b"".join(_tlv(t, b) for t, b in fields[:-1]) + _tlv(tag, exts2)
    return _tlv(0x30, _tlv(0x30, tbs2) + b"".join(_tlv(t, b) for t, b in rest))


def test_certificates_cryptography_refuses_in_its_own_words_are_error_values() -> None:
    from scanner.sources.parse.certs import cert_info
    from tests.fuzzing import cert_seeds

    server = cert_seeds()[1]
    v4 = server.replace(b"\xa0\x03\x02\x01\x02", b"\xa0\x03\x02\x01\x03", 1)  # x509.InvalidVersion escaped
    assert cert_info(v4).error.startswith("unreadable certificate")
    twice = cert_info(_with_duplicate_extension(server))  # x509.DuplicateExtension escaped
    assert not twice.error and twice.subject


# --- regressions the fuzzing found in the other readers ---------------------------------------------------


def test_config_nested_too_deeply_is_a_config_error(tmp_path: Path) -> None:
    from scanner.config import ConfigError, load

    path = tmp_path / "mdm-preflight.toml"
    path.write_text("a = " + "[" * 5000 + "]" * 5000)  # RecursionError escaped
    with pytest.raises(ConfigError, match="nested too deeply"):
        load(path)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("[" * 100_000, "nested too deeply"),  # RecursionError escaped
        ('{"schema_version": 1, "provenance": [1]}', "provenance|collected_at"),  # AttributeError escaped
        ('{"schema_version": 1, "x": ' + "9" * 5000 + "}", "not a JSON"),  # ValueError (digit limit) escaped
    ],
)
def test_saved_results_that_break_the_json_reader_are_store_errors(
    tmp_path: Path, body: str, why: str
) -> None:
    from scanner.store import StoreError, load_evidence, load_result

    path = tmp_path / "result.json"
    path.write_text(body)
    for load in (load_result, load_evidence):
        with pytest.raises(StoreError, match=why) as caught:
            load(path)
        assert "\n" not in str(caught.value)


def test_a_number_too_large_for_a_float_field_is_a_store_error(tmp_path: Path) -> None:
    from scanner.store import StoreError, load_evidence

    path = tmp_path / "evidence.json"
    source = '{"name": "logs", "status": "ok", "duration": ' + "9" * 400 + "}"  # OverflowError escaped
    path.write_text(
        '{"schema_version": 1, "tool_version": "x", "collected_at": "2026-01-01T00:00:00+00:00", '
        f'"sources": [{source}]}}'
    )
    with pytest.raises(StoreError, match="too large"):
        load_evidence(path)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"User_Principal_Name0\r\n\xff\xfe broken", "not UTF-8"),  # UnicodeDecodeError escaped
        (
            b"User_Principal_Name0\r\n" + b"a" * 200_000 + b"@x.com\r\n",
            "not a CSV export",
        ),  # csv.Error escaped
    ],
)
def test_csv_exports_that_break_the_csv_reader_are_source_errors(
    tmp_path: Path, body: bytes, why: str
) -> None:
    from scanner.sources.sql import SqlSourceError, from_csv

    path = tmp_path / "v_R_User.csv"
    path.write_bytes(body)
    with pytest.raises(SqlSourceError, match=why):
        from_csv(path, "CM_EC1", 25)


def test_config_with_an_integer_of_thousands_of_digits_is_a_config_error(tmp_path: Path) -> None:
    from scanner.config import ConfigError, load

    path = tmp_path / "mdm-preflight.toml"
    path.write_text("[scan]\ntimeout = " + "9" * 5000 + "\n")  # tomllib's ValueError escaped (the long run)
    with pytest.raises(ConfigError, match="invalid TOML"):
        load(path)


def test_log_counts_of_thousands_of_digits_are_not_read_as_numbers(tmp_path: Path) -> None:
    stamp = "><11-24-2026 09:00:00.000+000><thread=1 (0x1)>"
    lines = [
        f"Starting user delta sync  $$<SMS_CLOUD_USERSYNC{stamp}",
        "Total received users from SCCM to be removed from cloud = "
        f"{'9' * 5000}  $$<SMS_CLOUD_USERSYNC{stamp}",
        f'STATMSG: ID={"7" * 5000} SEV=E ISTR0="SMS_X"  $$<SMS_SITE_COMPONENT_MANAGER{stamp}',
    ]
    for name in ("Cloudusersync.log", "Sitecomp.log"):
        path = tmp_path / name
        path.write_text("\r\n".join(lines) + "\r\n")
        ev = collect_logs([str(path)], TimeRule())  # int() of 5,000 digits raised ValueError
        assert ev.logs[0].entries == 3
        sync = ev.logs[0].sync
        assert sync is None or sync.cycles[0].to_remove is None
