"""The fleet's email: the same [email] settings, send policies and delivery as a scan's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reports import FLEET_FORMATS
from reports.fleet_digest import render_fleet_email_text
from reports.view.fleet import Fleet
from scanner.config import Config, ConfigError, EmailConfig
from scanner.files import write_atomic
from scanner.model import Severity
from scanner.unattended import mail
from scanner.unattended.run import EXIT_EMAIL, log, with_ca_file

_STATUS = {0: "OK", 1: "FAILED", 3: "INCOMPLETE"}


class FleetMail:
    """Set up before any result is read (a missing password costs nothing), delivered after."""

    def __init__(self, cfg: Config, send: bool, dry_run: Path | None, say: Callable[[str], None]) -> None:
        if cfg.email is None:
            flag = "--email" if send else "--dry-run-email"
            raise ConfigError(f"{cfg.source}: {flag} needs an [email] section (see 'mdm-preflight init')")
        self.email: EmailConfig = with_ca_file(cfg) if cfg.email.ca_file else cfg.email
        self.timeout = cfg.scan.timeout
        self.send, self.dry_run, self.say = send, dry_run, say
        self.secret: str | None = None
        if send:
            try:
                self.secret = mail.password(self.email)
            except mail.MailError as exc:
                raise ConfigError(str(exc)) from None

    def deliver(self, fleet: Fleet, written: list[Path], code: int) -> int:
        """Send or write the message as asked; returns the exit code (EXIT_EMAIL when sending failed)."""
        wanted, why = should_send(self.email.send, code, fleet)
        files, notes = self._attachments(fleet, written)
        chosen, left_out = mail.fit(files, mail.MAX_ATTACH)
        if written:
            notes.append(f"The reports are in {written[0].parent.resolve()}.")
        text = render_fleet_email_text(fleet, (*left_out, *notes))
        msg = mail.compose(self.email, subject(self.email, fleet, code), text, "", chosen)
        if self.dry_run is not None:
            try:
                write_atomic(self.dry_run, msg.as_bytes())
            except OSError as exc:
                return self._failed(f"cannot write {self.dry_run}: {exc.strerror or exc}", code)
            self.say(f"wrote {self.dry_run} ({'would send' if wanted else 'would not send'}: {why})")
            if not self.send:
                return code
        if not wanted:
            log.info("email not sent (%s)", why)
            return code
        try:
            mail.send(self.email, msg, self.secret, self.timeout)
        except mail.MailError as exc:
            return self._failed(str(exc), code)
        log.info("fleet email sent to %s (%s)", ", ".join((*self.email.to, *self.email.cc)), why)
        return code

    def _attachments(self, fleet: Fleet, written: list[Path]) -> tuple[list[mail.Attachment], list[str]]:
        by_name = {p.name: p for p in written}
        files, notes = [], []
        for fmt in self.email.attach:
            if fmt not in FLEET_FORMATS:
                notes.append(f"attach = {fmt!r} is a site report's file: a fleet has none to attach")
                continue
            f = FLEET_FORMATS[fmt]
            path = by_name.get(f.filename)
            try:
                data = path.read_bytes() if path else f.render(fleet).encode("utf-8")
            except OSError as exc:
                notes.append(f"{f.filename} is not attached: cannot read it ({exc.strerror or exc})")
                continue
            files.append(mail.Attachment(fmt=fmt, name=f.filename, data=data, path=path))
        return files, notes

    def _failed(self, why: str, code: int) -> int:
        line = f"mdm-preflight: email not sent: {why} (the reports are written; fleet exit code {code})"
        self.say(line)
        log.error("%s", line.removeprefix("mdm-preflight: "))
        return EXIT_EMAIL


def should_send(policy: str, code: int, fleet: Fleet) -> tuple[bool, str]:
    """(send?, why): on_change sends when any site's newest run changed since the run it compared with."""
    if policy == "always":
        return True, "send = always"
    if policy == "on_failure":
        return code != 0, "send = on_failure: " + ("the fleet did not pass" if code else "the fleet passed")
    compared = [s.run.changed for s in fleet.sites if s.run.changed is not None]
    if not compared:
        return True, "send = on_change: no site's run was compared with an earlier one"
    changed = sum(compared)
    return bool(changed), "send = on_change: " + (
        f"{changed} site{'s' * (changed != 1)} changed" if changed else "nothing changed at any site"
    )


def subject(cfg: EmailConfig, fleet: Fleet, code: int) -> str:
    """[email] subject with the fleet's numbers: {site} is the number of sites, {failed} those not ready."""
    runs = [s.run for s in fleet.sites]
    companies = {r.company for r in runs}
    found = [f for r in runs for f in r.findings]
    values: dict[str, str | int] = {
        "company": (companies.pop() if len(companies) == 1 else "") or f"{len(runs)} sites",
        "site": f"{len(runs)} sites",
        "status": _STATUS.get(code, "FAILED"),
        "failed": sum(1 for r in runs if "not_ready" in r.states.values()),
        "errors": sum(1 for r in runs if r.incomplete),
        "open": sum(1 for f in found if f.severity != Severity.INFO.value),
        "new": sum(r.new for r in runs),
        "resolved": sum(r.resolved for r in runs),
        "accepted": sum(c.accepted for r in runs for c in r.checks),
        "date": fleet.generated.date().isoformat(),
    }
    for sev in Severity:
        values[sev.value] = sum(1 for f in found if f.severity == sev.value)
    text = cfg.subject.format(**values)
    return " ".join(text.split())[:250]
