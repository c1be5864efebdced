"""Near-valid inputs for every reader of outside input, and the property each reader must keep.

Shared by tests/test_fuzz.py (hypothesis drives the random choices, so failures shrink) and
bench/fuzz_bench.py (a seeded random.Random, for a million inputs). An input starts from a real
document — records of the sample logs, the example config, a demo run's evidence and result, federation
metadata, a v_R_User export, a certificate — and goes through a few mutations: byte flips,
truncations, splices with another seed, inserted markers of the format, NUL/CR/LF, unbalanced quotes,
a slice repeated into a huge value, deep nesting. Logs are re-encoded (UTF-8 with and without BOM,
UTF-16 LE with and without BOM, cp1252) before the byte-level damage.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_logs"
LOG_NAMES = ("x.log", "Cloudusersync.log", "Sitecomp.log")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252")

Check = Callable[[bytes, Path], None]


class Unexpected(AssertionError):
    """A reader broke its contract: another exception type, or a message that is not one clear line."""


@dataclass(frozen=True)
class Target:
    name: str
    seeds: Callable[[], list[bytes]]
    tokens: tuple[bytes, ...]  # markers of the format worth inserting
    check: Check
    text: bool = False  # mutate as text and re-encode (logs)


# --- mutation ------------------------------------------------------------------------------------------


def mutate(rng: random.Random, target: Target) -> bytes:
    """One near-valid input for target, from the choices rng makes."""
    seeds = target.seeds()
    if rng.random() < 0.03:  # now and then, plain noise
        return rng.randbytes(rng.randrange(0, 2048))
    data = bytearray(_window(rng, rng.choice(seeds), target.text))
    for _ in range(rng.randrange(1, 5)):
        _one(rng, data, seeds, target.tokens)
    if target.text:
        data = bytearray(_encode(rng, bytes(data)))
        for _ in range(rng.randrange(0, 3)):
            _one(rng, data, seeds, (b"\x00", b"\r", b"\n", b"\xff\xfe", b"\xef\xbb\xbf"))
    return bytes(data)


def _window(rng: random.Random, seed: bytes, text: bool) -> bytes:
    """Logs: a run of whole lines (a few records) rather than the whole sample."""
    if not text or len(seed) < 4096:
        return seed
    lines = seed.split(b"\n")
    start = rng.randrange(len(lines))
    return b"\n".join(lines[start : start + rng.randrange(1, 40)])


def _encode(rng: random.Random, data: bytes) -> bytes:
    enc = rng.choice(ENCODINGS)
    text = data.decode("utf-8", "replace")
    if enc == "utf-8":
        return data
    return (b"" if enc != "utf-16-le" or rng.random() < 0.5 else b"\xff\xfe") + text.encode(enc, "replace")


def _one(rng: random.Random, data: bytearray, seeds: list[bytes], tokens: tuple[bytes, ...]) -> None:
    n = len(data)
    at = rng.randrange(n + 1)
    op = rng.randrange(9)
    if op == 0 and n:  # flip a bit
        data[min(at, n - 1)] ^= 1 << rng.randrange(8)
    elif op == 1:  # insert a marker of the format, or a separator
        data[at:at] = rng.choice((*tokens, b"\x00", b"\r", b"\n", b'"', b"'", b"<", b">", b"]", b"$$<"))
    elif op == 2:  # delete a range
        del data[at : at + rng.randrange(1, 64)]
    elif op == 3:  # truncate
        del data[at:]
    elif op == 4:  # splice with another seed
        other = rng.choice(seeds)
        cut = rng.randrange(len(other) + 1)
        data[at:] = other[cut : cut + rng.randrange(1, 4096)]
    elif op == 5 and n:  # repeat a slice: huge values, many markers
        piece = bytes(data[at : at + rng.randrange(1, 16)]) or b"x"
        data[at:at] = piece * rng.choice((2, 16, 256, 4096))
    elif op == 6:  # random bytes
        data[at:at] = rng.randbytes(rng.randrange(1, 16))
    elif op == 7:  # deep nesting or a long run of one marker
        token = rng.choice((*tokens, b"[", b"{", b"<a>"))
        data[at:at] = token * min(rng.choice((64, 1024, 20_000)), 100_000 // len(token))
    elif n:  # swap two slices
        b = rng.randrange(n)
        x, y = sorted((at, b))
        data[x:y] = data[x:y][::-1]


# --- seeds ---------------------------------------------------------------------------------------------


@cache
def log_seeds() -> list[bytes]:
    out = []
    for path in sorted(SAMPLES.glob("*/*.lo*")):
        raw = path.read_bytes()
        enc = "utf-16" if raw.startswith(b"\xff\xfe") else "utf-8-sig"
        out.append(raw.decode(enc).encode("utf-8"))  # mutated as UTF-8, re-encoded afterwards
    return out


@cache
def config_seeds() -> list[bytes]:
    return [(ROOT / "scanner" / "example.toml").read_bytes(), (SAMPLES / "demo.toml").read_bytes()]


@cache
def _demo_run() -> tuple[dict[str, Any], dict[str, Any]]:
    from typer.testing import CliRunner

    from scanner.cli import app

    with tempfile.TemporaryDirectory() as tmp:
        CliRunner().invoke(app, ["demo", "-o", tmp, "-f", "json", "-q"])
        result = json.loads((Path(tmp) / "result.json").read_text(encoding="utf-8"))
        evidence = json.loads((Path(tmp) / "evidence.json").read_text(encoding="utf-8"))
    return _trim(result), _trim(evidence)


def _trim(value: Any) -> Any:
    """Every list cut to three items: the shape of a real file in a few kilobytes."""
    if isinstance(value, list):
        return [_trim(v) for v in value[:3]]
    if isinstance(value, dict):
        return {k: _trim(v) for k, v in value.items()}
    return value


@cache
def result_seeds() -> list[bytes]:
    return [json.dumps(_demo_run()[0], indent=1).encode()]


@cache
def evidence_seeds() -> list[bytes]:
    seeds = [json.dumps(_demo_run()[1], indent=1).encode()]
    seeds += [p.read_bytes() for p in sorted(SAMPLES.glob("*.json"))]  # the offline source sections
    return seeds


@cache
def metadata_seeds() -> list[bytes]:
    from tests.lab.web import federation_metadata

    return [federation_metadata(cert_seeds()[:2], cert_seeds()[2])]


@cache
def csv_seeds() -> list[bytes]:
    return [(SAMPLES / "v_R_User.csv").read_bytes()]


@cache
def cert_seeds() -> list[bytes]:
    """A token-signing certificate, and a server certificate and its CA (SANs, EKU, constraints)."""
    import trustme
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from tests.lab.web import signing_cert

    ca = trustme.CA()
    pems = [ca.issue_cert("sts.contoso.test", "127.0.0.1").cert_chain_pems[0].bytes(), ca.cert_pem.bytes()]
    ders = [x509.load_pem_x509_certificate(p).public_bytes(Encoding.DER) for p in pems]
    return [signing_cert("ADFS Signing - sts.contoso.test", days=30), *ders]


# --- properties ----------------------------------------------------------------------------------------


def _one_line(message: str, where: str) -> None:
    if not message or "\n" in message or "\r" in message:
        raise Unexpected(f"not one clear line: {message!r}")
    if where not in message:
        raise Unexpected(f"does not name {where}: {message!r}")


def check_log(data: bytes, work: Path) -> None:
    """Records or the file's own LogReadError, never another exception; every time readable or None."""
    from scanner.sources.logs import TimeRule, collect_logs
    from scanner.sources.parse.cmlog import FileStats, LogReadError, entry_time, parse_file

    path = work / LOG_NAMES[len(data) % len(LOG_NAMES)]
    path.write_bytes(data)
    stats = FileStats()
    try:
        for e in parse_file(path, stats):
            entry_time(e)
            entry_time(e, bias_sign=-1, missing_bias=-60)
    except LogReadError as exc:
        _one_line(str(exc), str(path))
    ev = collect_logs([str(path)], TimeRule())  # the readers of Cloudusersync/Sitecomp facts too
    for problem in ev.unreadable():
        _one_line(problem, str(path))


def check_config(data: bytes, work: Path) -> None:
    from scanner import config

    path = work / "mdm-preflight.toml"
    path.write_bytes(data)
    with contextlib.suppress(config.ConfigError):
        config.load(path)


def _store(data: bytes, work: Path, load: Callable[[Path], Any]) -> None:
    from scanner.store import StoreError

    path = work / "saved.json"
    path.write_bytes(data)
    try:
        load(path)
    except StoreError as exc:
        _one_line(str(exc), str(path))


def check_result(data: bytes, work: Path) -> None:
    from scanner import store

    _store(data, work, store.load_result)


def check_evidence(data: bytes, work: Path) -> None:
    from scanner import store
    from scanner.evidence.adfs import AdfsEvidence
    from scanner.evidence.directory import DirectoryEvidence
    from scanner.evidence.dns import DnsEvidence

    _store(data, work, store.load_evidence)
    for name, cls in (("dns", DnsEvidence), ("directory", DirectoryEvidence), ("adfs", AdfsEvidence)):
        _store(data, work, lambda p, n=name, c=cls: store.saved_section(p, n, c))  # type: ignore[misc]


def check_metadata(data: bytes, work: Path) -> None:
    """Never raises; a document with a DTD or entities is refused, never expanded."""
    from scanner.evidence.adfs import FederationMetadata
    from scanner.sources.parse.fedmeta import parse_metadata

    meta = parse_metadata(data)
    if not isinstance(meta, FederationMetadata):
        raise Unexpected(f"parse_metadata returned {type(meta).__name__}")
    if (b"<!DOCTYPE" in data or b"<!ENTITY" in data) and not meta.error and meta.entity_id:
        raise Unexpected("a document with a DTD was accepted")


def check_csv(data: bytes, work: Path) -> None:
    from scanner.sources.sql import SqlSourceError, from_csv

    path = work / "v_R_User.csv"
    path.write_bytes(data)
    try:
        from_csv(path, "CM_EC1", 25)
    except SqlSourceError as exc:
        _one_line(str(exc), str(path))


def check_cert(data: bytes, work: Path) -> None:
    from scanner.evidence.certs import CertInfo
    from scanner.sources.parse.certs import cert_info

    info = cert_info(data)
    if not isinstance(info, CertInfo):
        raise Unexpected(f"cert_info returned {type(info).__name__}")
    io.StringIO(info.subject + info.issuer + info.error)  # plain strings, always


TARGETS = {
    t.name: t
    for t in (
        Target(
            "log",
            log_seeds,
            (
                b"<![LOG[",
                b"]LOG]!><time=",
                b"]LOG]!><",
                b'" date="',
                b"$$<",
                b"><thread=",
                b"~",
                b'type="3"',
                b"9" * 5000,
            ),
            check_log,
            text=True,
        ),
        Target(
            "config",
            config_seeds,
            (b"[", b"]", b"[[", b"=", b'"""', b"'''", b"\\u", b"[sql]\n", b"9" * 5000),
            check_config,
        ),
        Target(
            "result",
            result_seeds,
            (b"{", b"}", b"[", b'"', b"null", b"1e999", b"9" * 400, b","),
            check_result,
        ),
        Target(
            "evidence",
            evidence_seeds,
            (b"{", b"}", b"[", b'"', b"null", b"-1", b"9" * 5000, b":"),
            check_evidence,
        ),
        Target(
            "metadata",
            metadata_seeds,
            (
                b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
                b"&a;",
                b"<?xml version='1.0' encoding='x'?>",
                b"</",
                b"xmlns=",
            ),
            check_metadata,
        ),
        Target("csv", csv_seeds, (b",", b'"', b"\r\n", b"NULL", b"@", b"User_Principal_Name0"), check_csv),
        Target(
            "cert", cert_seeds, (b"\x30\x82", b"\x06\x03\x55\x1d\x11", b"\xa0\x03", b"\x02\x01"), check_cert
        ),
    )
}


def run_one(target: Target, data: bytes, work: Path) -> None:
    """Apply the target's property; any exception but Unexpected is itself a broken contract."""
    try:
        target.check(data, work)
    except Unexpected:
        raise
    except Exception as exc:
        raise Unexpected(f"{target.name}: {type(exc).__name__}: {exc}"[:500]) from exc
