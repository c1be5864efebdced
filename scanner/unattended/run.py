"""A scheduled run around a scan: log file, history lock, comparison, saved history, email."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from logging.handlers import RotatingFileHandler
from pathlib import Path

from scanner import credentials
from scanner.config import Config, ConfigError, EmailConfig, HistoryConfig
from scanner.diff import compare
from scanner.errors import PreflightError
from scanner.exitcodes import ExitCode
from scanner.files import FULL, WriteError, write_atomic
from scanner.model import ScanResult, Severity, Status
from scanner.store import load_result
from scanner.unattended import history, mail
from scanner.unattended.lock import RunLock

PdfPrinter = Callable[[ScanResult, Path], Path]  # (result, report.pdf) -> the PDF written; PreflightError

EXIT_EMAIL, EXIT_LOCKED = ExitCode.EMAIL, ExitCode.LOCKED  # the names 0.1 exported
log = logging.getLogger("mdm_preflight")
log.addHandler(logging.NullHandler())  # without --log-file, nothing: never Python's stderr fallback


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """What the command line and [history] / [email] ask of this run."""

    history: Path | None = None
    keep: int = HistoryConfig().keep
    lock_wait: float = HistoryConfig().lock_wait
    baseline: Path | None = None
    email: bool = False
    dry_run_email: Path | None = None
    pdf: bool = False  # print report.pdf: --pdf, or a PDF attachment for an email this run sends


def plan(
    cfg: Config,
    *,
    history_dir: Path | None,
    keep: int | None,
    baseline: Path | None,
    email: bool,
    dry_run_email: Path | None,
    pdf: bool = False,
) -> Plan:
    """Command line over config; mistakes surface before anything runs."""
    h = cfg.history or HistoryConfig()
    folder = history_dir
    if folder is None and h.dir:
        folder = cfg.base_dir / h.dir if cfg.base_dir else Path(h.dir)
    if keep is not None and keep < 1:
        raise ConfigError(f"--keep {keep}: keep at least 1 result")
    if (email or dry_run_email) and cfg.email is None:
        flag = "--email" if email else "--dry-run-email"
        raise ConfigError(f"{cfg.source}: {flag} needs an [email] section (see 'mdm-preflight init')")
    return Plan(
        history=folder,
        keep=keep or h.keep,
        lock_wait=h.lock_wait,
        baseline=baseline,
        email=email,
        dry_run_email=dry_run_email,
        pdf=pdf or (bool(email or dry_run_email) and cfg.email is not None and "pdf" in cfg.email.attach),
    )


@contextmanager
def log_file(path: Path | None, debug: bool = False) -> Iterator[None]:
    """A rotating log (five files of 1 MB); messages only, never a secret or a traceback.

    With `debug` the libraries' own debug logging (LDAP, HTTP, SMTP, ODBC) goes there too, every
    message through the same filter that masks any password the run has read."""
    if path is None:
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _LogFile(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--log-file {path}: cannot open ({exc.strerror or exc})") from None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"))
    handler.addFilter(credentials.ScrubFilter())
    owner = logging.getLogger() if debug else log
    warned = logging.getLogger("py.warnings")  # libraries' warnings (main() captures them): here, not stderr
    before = owner.level
    owner.addHandler(handler)
    if not debug:  # with debug they reach the root logger's handler anyway
        warned.addHandler(handler)
    owner.setLevel(logging.DEBUG if debug else logging.INFO)
    log.setLevel(logging.DEBUG if debug else logging.INFO)
    try:
        yield
    finally:
        owner.removeHandler(handler)
        warned.removeHandler(handler)
        owner.setLevel(before)
        handler.close()


class _LogFile(RotatingFileHandler):
    """A log that cannot be written (a full disk, a share gone) is one warning, never a traceback per
    message on stderr: the run and its reports matter more than its log."""

    failed = False

    def handleError(self, record: logging.LogRecord) -> None:
        if self.failed:
            return
        self.failed = True
        exc = sys.exc_info()[1]
        why = _why(exc) if isinstance(exc, OSError) else repr(exc)
        sys.stderr.write(
            f"mdm-preflight: warning: the log file {self.baseFilename} is not written: {why} "
            "(or choose another --log-file); the run goes on\n"
        )

    def close(self) -> None:
        with contextlib.suppress(OSError):  # the last lines could not be flushed: said once already
            super().close()


class Run:
    """One unattended run's state; the scan itself happens between `prepare` and `finish`."""

    def __init__(
        self, cfg: Config, plan: Plan, say: Callable[[str], None], printer: PdfPrinter | None = None
    ) -> None:
        self.cfg = cfg
        self.plan = plan
        self._out = say  # one line to the user's stderr (the CLI's console)
        self.printer = printer  # HTML -> PDF, given by the application layer
        self.previous: ScanResult | None = None
        self.previous_name = ""
        self.secret: str | None = None
        self.pdf_problem = ""  # why report.pdf was not printed, for the email
        self._stack = ExitStack()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def prepare(self) -> None:
        """Password, lock and the result to compare with: before the scan, so a bad setup costs nothing."""
        if self.cfg.email is not None and self.cfg.email.ca_file:
            self.cfg = dataclasses.replace(self.cfg, email=with_ca_file(self.cfg))
        if self.plan.email and self.cfg.email is not None:
            try:
                self.secret = mail.password(self.cfg.email)
            except mail.MailError as exc:
                raise ConfigError(str(exc)) from None
        if self.plan.baseline is not None:
            self.previous = load_result(self.plan.baseline)  # asked for by name: a bad file is an error
            self.previous_name = self.plan.baseline.name
        if self.plan.history is not None:
            lock = RunLock(self.plan.history / history.LOCK_NAME, self.plan.lock_wait)
            try:
                self._stack.enter_context(lock)
                if self.previous is None:
                    self._previous_from_history(self.plan.history)
            except OSError as exc:
                raise ConfigError(f"history folder {self.plan.history}: {_why(exc)}") from None
            if lock.took_over:
                self.warn(f"history lock was left over ({lock.took_over}); took it over")

    def _previous_from_history(self, folder: Path) -> None:
        found = history.previous(folder)
        if found.problem:
            self.warn(f"previous result unusable, comparing with nothing this time: {found.problem}")
        elif found.result is not None and found.path is not None:
            self.previous, self.previous_name = found.result, found.path.name

    def compared(self, result: ScanResult) -> ScanResult:
        """The result with what changed since the previous run, and its trend over the history kept."""
        if self.plan.history is not None:
            found, problems = history.trend(self.plan.history, result)
            for problem in problems:  # in the log only: an old damaged file must not make every night noisy
                log.warning("left out of the trend: %s", problem)
            result = dataclasses.replace(result, trend=found)
        if self.previous is None:
            return result
        changes = compare(self.previous, result, self.previous_name)
        log.info(
            "compared with %s: %d new, %d resolved, %d still failing",
            self.previous_name,
            len(changes.new),
            len(changes.resolved),
            len(changes.still_failing),
        )
        return dataclasses.replace(result, changes=changes)

    def keep(self, result: ScanResult) -> None:
        if self.plan.history is None:
            return
        try:
            saved, deleted = history.save(self.plan.history, result, self.plan.keep)
        except OSError as exc:
            self.warn(f"could not save the result in {self.plan.history}: {_why(exc)}")
            return
        log.info("kept %s; removed %d older result(s)", saved, len(deleted))

    def print_pdf(self, result: ScanResult, folder: Path) -> list[Path]:
        """report.pdf in `folder` when the plan asks for it; a failure is a warning, not an error:
        the scan and its other reports stand, and the email says why the PDF is missing."""
        if not self.plan.pdf:
            return []
        if self.printer is None:
            self.pdf_problem = "no PDF printer was given to this run"
            self.warn(f"report.pdf not printed: {self.pdf_problem}")
            return []
        try:
            return [self.printer(result, folder / "report.pdf")]
        except PreflightError as exc:
            self.pdf_problem = str(exc)
            self.warn(f"report.pdf not printed: {exc}")
            return []

    def deliver(self, result: ScanResult, written: list[Path], code: int) -> int:
        """Send or write the email as asked; returns the exit code (EXIT_EMAIL when sending failed)."""
        cfg = self.cfg.email
        if cfg is None or not (self.plan.email or self.plan.dry_run_email):
            return code
        wanted, why = mail.should_send(cfg.send, code, result)
        notes: tuple[str, ...] = (f"The reports are in {written[0].parent.resolve()}.",) if written else ()
        if "pdf" in cfg.attach and not any(p.name == "report.pdf" for p in written):
            notes += (f"report.pdf is not attached: {self.pdf_problem or 'it was not printed'}",)
        try:
            msg = mail.build(cfg, result, code, mail.attachments(cfg, result, written), notes=notes)
        except OSError as exc:
            return self._mail_failed(f"cannot read a report to attach: {exc}", code)
        if self.plan.dry_run_email is not None:
            if problem := self._write_eml(self.plan.dry_run_email, msg, wanted, why):
                return self._mail_failed(problem, code)
            if not self.plan.email:
                return code
        if not wanted:
            log.info("email not sent (%s)", why)
            return code
        t0 = time.monotonic()
        try:
            mail.send(cfg, msg, self.secret, self.cfg.scan.timeout)
        except mail.MailError as exc:
            return self._mail_failed(str(exc), code)
        size = len(msg.as_bytes())
        recipients = ", ".join((*cfg.to, *cfg.cc))
        log.info("email sent to %s (%d bytes, %.2f s; %s)", recipients, size, time.monotonic() - t0, why)
        return code

    def _write_eml(self, path: Path, msg: EmailMessage, wanted: bool, why: str) -> str:
        """The message as an .eml file; returns what went wrong, or ''."""
        try:
            write_atomic(path, msg.as_bytes())
        except OSError as exc:
            return f"cannot write {path}: {exc.strerror or exc}"
        self.say(f"wrote {path} ({'would send' if wanted else 'would not send'}: {why})")
        return ""

    def _mail_failed(self, why: str, code: int) -> int:
        line = f"mdm-preflight: email not sent: {why} (the reports are written; scan exit code {code})"
        self._out(line)
        log.error("%s", line.removeprefix("mdm-preflight: "))
        return ExitCode.EMAIL

    def warn(self, text: str) -> None:
        self._out(f"mdm-preflight: warning: {text}")
        log.warning("%s", text)

    def say(self, text: str) -> None:
        self._out(text)
        log.info("%s", text)


def _why(exc: OSError) -> str:
    if isinstance(exc, WriteError):  # already one line naming the file and what to do
        return str(exc)
    if exc.errno in FULL:
        return f"the disk is full ({exc.strerror}); free space on it"
    return str(exc.strerror or exc)


def with_ca_file(cfg: Config) -> EmailConfig:
    """email.ca_file relative to the config file, and present: a typo is a config error, not a TLS one."""
    assert cfg.email is not None
    path = Path(cfg.email.ca_file)
    if not path.is_absolute() and cfg.base_dir is not None:
        path = cfg.base_dir / path
    if not path.is_file():
        raise ConfigError(f"{cfg.source}: email.ca_file {cfg.email.ca_file!r}: no such file")
    return dataclasses.replace(cfg.email, ca_file=str(path))


def log_outcome(result: ScanResult, code: int) -> None:
    counts = ", ".join(f"{result.count(s)} {s.value}" for s in Status)
    found = sum(1 for f in result.open_findings() if f.severity is not Severity.INFO)
    log.info("scan finished: %s; %d open findings; exit code %d", counts, found, code)
