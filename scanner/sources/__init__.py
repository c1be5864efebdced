"""Sources: the only code that reads files or talks to servers. Each yields one evidence section."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scanner.config import Config
from scanner.sources.logs import TimeRule, collect_logs


@dataclass(frozen=True, slots=True)
class SourceDef:
    name: str
    section: str  # the config section that configures it
    collect: Callable[[Config], Any]
    target: Callable[[Config], str]  # what it reads, for provenance
    deadline: Callable[[Config], float]  # seconds before the run gives up on it


def _logs(cfg: Config) -> Any:
    assert cfg.logs is not None
    rule = TimeRule(convention=cfg.logs.time_convention, missing_bias=cfg.logs.missing_bias)
    return collect_logs(cfg.logs.paths, rule, cfg.base_dir)


SOURCES: dict[str, SourceDef] = {
    "logs": SourceDef(
        name="logs",
        section="logs",
        collect=_logs,
        target=lambda cfg: ", ".join(cfg.logs.paths) if cfg.logs else "",
        deadline=lambda cfg: cfg.logs.timeout if cfg.logs else 0.0,
    ),
}
