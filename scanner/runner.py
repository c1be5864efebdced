"""Run a scan: collect evidence concurrently with deadlines, evaluate checks, apply exceptions."""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache, partial
from typing import Any, Protocol

from scanner import __version__, causes, credentials
from scanner.accept import apply_exceptions
from scanner.config import Config, ConfigError, SiteConfig
from scanner.context import Context, Skip, Unverifiable
from scanner.evidence import Evidence
from scanner.model import CheckResult, ScanResult, Severity, SourceStatus, Status
from scanner.registry import SOURCES as KNOWN_SOURCES
from scanner.registry import Catalog, Spec
from scanner.store import Saved


@cache
def built_in_sources() -> Mapping[str, Any]:
    """The source table (scanner/sources/__init__.py), found by name as checks and plugins are: the kernel
    runs the sources without importing them, so the layer below the sources stays free of I/O libraries."""
    return importlib.import_module("scanner.sources").SOURCES  # type: ignore[no-any-return]


class Progress(Protocol):
    def source_done(self, name: str, status: str) -> None: ...
    def check_done(self, check_id: str, status: Status) -> None: ...


class _Quiet:
    def source_done(self, name: str, status: str) -> None:
        pass

    def check_done(self, check_id: str, status: Status) -> None:
        pass


@dataclass(frozen=True, slots=True)
class Prepared:
    """A check ready to run: options parsed from the config, severity override applied."""

    spec: Spec
    options: Any


def prepare(
    catalog: Catalog, cfg: Config, only: Iterable[str] = (), skip: Iterable[str] = ()
) -> list[Prepared]:
    """Validate [checks.*] against the catalog and select; config mistakes surface before any I/O."""
    for cid in cfg.checks:
        if cid not in catalog.specs:
            raise ConfigError(
                f'{cfg.source}: [checks."{cid}"] names no known check (list them with '
                "'mdm-preflight checks')"
            )
    out = []
    for spec in catalog.select(only, skip):
        raw = dict(cfg.checks.get(spec.info.id, {}))
        enabled = raw.pop("enabled", True)
        severity = raw.pop("severity", None)
        if enabled is False:
            continue
        if severity is not None:
            try:
                spec = replace(spec, info=replace(spec.info, severity=Severity.parse(str(severity))))
            except ValueError as exc:
                raise ConfigError(f'{cfg.source}: checks."{spec.info.id}".severity: {exc}') from None
        out.append(Prepared(spec=spec, options=spec.make_options(raw, cfg.source)))
    return out


def collect(cfg: Config, needs: set[str], progress: Progress | None = None) -> Evidence:
    """Query each needed, configured source once, all at the same time, each with its deadline."""
    progress = progress or _Quiet()
    collected_at = datetime.now(UTC)
    sections: dict[str, Any] = {}
    statuses: list[SourceStatus] = []
    ready = []
    for name in sorted(needs):
        src = built_in_sources().get(name)
        if src is None:
            continue
        reason = src.off(cfg) if src.off else ""
        if getattr(cfg, src.section, None) is None or reason:
            reason = reason or f"no [{src.section}] section in the configuration"
            statuses.append(SourceStatus(name=name, status="not_configured", reason=reason))
            progress.source_done(name, "not_configured")
            continue
        if problem := src.problem(cfg):  # a setup that cannot work: one line now, not a failed scan later
            raise ConfigError(f"{cfg.source}: {problem}")
        ready.append(src)
    # All at once. A source that reads others' evidence (DNS asks about the UPN suffixes found) gets a
    # view that waits for them, so it can do its own work meanwhile and the scan still takes one timeout.
    jobs: dict[str, _Job] = {}
    for src in sorted(ready, key=lambda s: bool(s.after)):
        upstream = _Upstream(cfg, {n: jobs[n] for n in src.after if n in jobs})
        jobs[src.name] = _start(partial(src.run, cfg, upstream))
    for name, job in jobs.items():
        src = built_in_sources()[name]
        status = job.finish(src.deadline(cfg), name, src.describe(cfg))
        if job.value is not None:
            sections[name] = job.value
            status = _assess(status, job.value)
        statuses.append(status)
        progress.source_done(name, status.status)
    return Evidence(
        tool_version=__version__,
        collected_at=collected_at,
        sources=tuple(sorted(statuses, key=lambda s: s.name)),
        configured=tuple(n for n in KNOWN_SOURCES if getattr(cfg, n, None) is not None),
        **sections,
    )


@dataclass(slots=True)
class _Job:
    thread: threading.Thread
    started: datetime
    t0: float
    value: Any = None
    error: BaseException | None = None
    saved: Saved[Any] | None = None  # read from a saved evidence file: the section and when it was collected

    def finish(self, deadline: float, name: str, target: str) -> SourceStatus:
        _join(self.thread, deadline - (time.monotonic() - self.t0))
        took = time.monotonic() - self.t0
        base = SourceStatus(name=name, status="ok", target=target, started=self.started, duration=took)
        if self.saved is not None:
            base = replace(base, collected=self.saved.collected, collected_from=self.saved.collected_from)
        if self.thread.is_alive():
            self.value = None
            return replace(base, status="error", reason=f"timed out after {deadline:g} s")
        if self.error is not None:
            return replace(base, status="error", reason=_reason(self.error))
        return base


def _join(thread: threading.Thread, seconds: float) -> None:
    """Wait in short slices. The system may hand a stop signal (SIGTERM, Ctrl+C) to any thread, and
    Python acts on it only when the main thread runs again: one long join would hold it for minutes."""
    end = time.monotonic() + seconds
    while thread.is_alive() and (left := end - time.monotonic()) > 0:
        thread.join(min(left, 0.1))


class _Upstream(Mapping[str, Any]):
    """Other sources' evidence, each waited for (within its deadline) only when asked for."""

    def __init__(self, cfg: Config, jobs: dict[str, _Job]) -> None:
        self._cfg, self._jobs = cfg, jobs

    def __getitem__(self, name: str) -> Any:
        job = self._jobs[name]
        job.thread.join(max(0.0, built_in_sources()[name].deadline(self._cfg) - (time.monotonic() - job.t0)))
        if job.thread.is_alive() or job.error is not None or job.value is None:
            raise KeyError(name)
        return job.value

    def __iter__(self) -> Iterator[str]:
        return iter(self._jobs)

    def __len__(self) -> int:
        return len(self._jobs)


def _reason(exc: BaseException) -> str:
    """A source's own errors are already plain words; anything else keeps its type to be recognisable."""
    if type(exc).__module__.startswith("scanner.") and str(exc):
        return credentials.scrub(str(exc))
    return credentials.scrub(f"{type(exc).__name__}: {exc}")  # drivers may echo a connection string


def _start(work: Callable[[], Any]) -> _Job:
    job = _Job(thread=threading.Thread(), started=datetime.now(UTC), t0=time.monotonic())

    def run() -> None:
        try:
            value = work()
            if isinstance(value, Saved):
                job.saved, value = value, value.section
            job.value = value
        except Exception as exc:  # recorded as the source's error; the scan goes on
            job.error = exc

    # A daemon thread: a source stuck past its deadline is abandoned, never waited for at exit.
    job.thread = threading.Thread(target=run, daemon=True, name=f"source-{id(job)}")
    job.thread.start()
    return job


def _assess(status: SourceStatus, section: Any) -> SourceStatus:
    problems = tuple(section.unreadable()) if hasattr(section, "unreadable") else ()
    # Input read only in part to keep memory bounded: said in the report, the source still counts as read.
    cut = tuple(section.truncated()) if hasattr(section, "truncated") else ()
    if cut:
        status = replace(status, warnings=(*status.warnings, *cut))
    if not problems:
        return status
    if hasattr(section, "usable") and not section.usable():
        return replace(status, status="error", reason="; ".join(problems))
    return replace(status, status="partial", warnings=(*problems, *status.warnings))


def evaluate(
    ev: Evidence, prepared: list[Prepared], progress: Progress | None = None, site: SiteConfig | None = None
) -> list[CheckResult]:
    progress = progress or _Quiet()
    results = []
    for item in prepared:
        result = _run_one(ev, item, site or SiteConfig())
        results.append(result)
        progress.check_done(result.check.id, result.status)
    return results


def _run_one(ev: Evidence, item: Prepared, site: SiteConfig) -> CheckResult:
    info = item.spec.info
    for need in info.needs:
        if need == "config":  # the configuration itself is always there to read
            continue
        st = ev.status(need)
        if st is None or st.status == "not_configured":
            reason = st.reason if st else f"the {need} source was not collected"
            return CheckResult(check=info, status=Status.SKIPPED, reason=reason)
        if st.status == "error":
            return CheckResult(check=info, status=Status.ERROR, reason=f"{need} source failed: {st.reason}")
    ctx: Context[Any] = Context(ev=ev, opts=item.options, info=info, site=site)
    t0 = time.monotonic()
    try:
        findings = causes.assign(item.spec.func(ctx), item.spec.cause)
    except Skip as skip:
        return CheckResult(
            check=info,
            status=Status.SKIPPED,
            reason=str(skip),
            examined=ctx.examined,
            duration=time.monotonic() - t0,
        )
    except Unverifiable as why:
        return CheckResult(
            check=info,
            status=Status.ERROR,
            reason=str(why),
            examined=ctx.examined,
            duration=time.monotonic() - t0,
        )
    except Exception as exc:  # a broken check is reported as such; the others still run
        return CheckResult(
            check=info,
            status=Status.ERROR,
            reason=f"{type(exc).__name__}: {exc}",
            duration=time.monotonic() - t0,
        )
    # Findings of severity info are facts to show (an inventory), not problems: the check passes.
    status = Status.FAIL if any(f.is_problem for f in findings) else Status.PASS
    return CheckResult(
        check=info, status=status, findings=findings, examined=ctx.examined, duration=time.monotonic() - t0
    )


def run(
    cfg: Config,
    catalog: Catalog,
    prepared: list[Prepared],
    *,
    evidence: Evidence | None = None,
    options: dict[str, Any] | None = None,
    progress: Progress | None = None,
    today: date | None = None,
) -> tuple[ScanResult, Evidence]:
    started, t0 = datetime.now(UTC), time.monotonic()
    if evidence is None:
        needs = {n for p in prepared for n in p.spec.info.needs}
        evidence = collect(cfg, needs, progress)
    results = evaluate(evidence, prepared, progress, cfg.site)
    results, uses = apply_exceptions(results, cfg.exceptions, today or datetime.now(UTC).date())
    result = ScanResult(
        tool_version=__version__,
        started=started,
        # From the monotonic clock: a clock set back or forward during the run (an NTP step) must not
        # make it last minus an hour or a day in the reports.
        finished=started + timedelta(seconds=time.monotonic() - t0),
        company=cfg.site.company,
        site_code=cfg.site.code,
        options=options or {},
        sources=evidence.sources,
        results=tuple(results),
        exceptions=tuple(uses),
        warnings=tuple(catalog.load_errors),
    )
    return result, evidence
