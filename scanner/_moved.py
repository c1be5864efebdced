"""Old import paths, kept working: plugins and scripts written against 0.1's flat layout still import.

`import scanner.cmlog` or `from scanner import mail` loads the module from its new home and registers it
under the old name too, so both names are the same module object (monkeypatching either patches both).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

MOVED = {
    "scanner.cmlog": "scanner.sources.parse.cmlog",
    "scanner.fedmeta": "scanner.sources.parse.fedmeta",
    "scanner.certs": "scanner.sources.parse.certs",
    "scanner.logfiles": "scanner.sources.logfiles",
    "scanner.web": "scanner.sources.net.web",
    "scanner.resolver": "scanner.sources.net.resolver",
    "scanner.upn": "scanner.facts.upn",
    "scanner.domains": "scanner.facts.domains",
    "scanner.error_codes": "scanner.facts.error_codes",
    "scanner.history": "scanner.unattended.history",
    "scanner.lock": "scanner.unattended.lock",
    "scanner.mail": "scanner.unattended.mail",
    "scanner.console": "scanner.cli.console",
    "scanner.logview": "scanner.cli.logview",
    "scanner.diffview": "scanner.cli.diffview",
    "reports.pdf": "scanner.app.pdf",
    "reports.redact": "scanner.app.redact",
    "reports.brand": "reports.view.brand",
    "reports.sections": "reports.view.sections",
    "reports.checklist": "reports.view.checklist",
    "reports.chart": "reports.view.chart",
    "reports.changes": "reports.view.changes",
    "reports.provenance": "reports.view.provenance",
}


class _OldPath:
    """A meta path finder and loader by duck typing: importlib.abc costs every start (--help) ~10 ms."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname in MOVED and MOVED[fullname] != fullname:
            return importlib.util.spec_from_loader(fullname, self)  # type: ignore[arg-type]  # a Loader by duck typing
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(MOVED[spec.name])  # the real module, its attributes untouched

    def exec_module(self, module: ModuleType) -> None:
        """Already executed under its new name."""


def install() -> None:
    if not any(isinstance(f, _OldPath) for f in sys.meta_path):
        sys.meta_path.append(_OldPath())
