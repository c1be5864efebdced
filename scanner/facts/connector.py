"""The service connection point's facts (role, components, status message IDs) from one data table."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

# Site types (v_Site.Type) and component states (v_ComponentSummarizer.State), as ConfigMgr documents them.
SITE_TYPES = {1: "secondary site", 2: "primary site", 4: "central administration site"}
STATES = {0: "stopped", 1: "started", 2: "paused", 3: "installing", 4: "re-installing", 5: "de-installing"}
STATUSES = {0: "OK", 1: "warning", 2: "critical"}
# v_StatusMessage.Severity as a signed 32-bit integer.
SEVERITIES = {-1073741824: "error", -2147483648: "warning", 1073741824: "informational"}
ERROR, WARNING = -1073741824, -2147483648
TALLY_SINCE_MIDNIGHT = "0001128000100008"  # the console's default Component Status interval
INSTALLER = "SMS_SITE_COMPONENT_MANAGER"


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    id: int
    component: str
    severity: str
    text: str


@cache
def _data() -> dict[str, Any]:
    return tomllib.loads(files("scanner.facts").joinpath("connector.toml").read_text(encoding="utf-8"))


def role() -> str:
    return str(_data()["role"])


def role_type_id() -> int:
    return int(_data()["role_type_id"])


def components(scp_only: bool = True) -> tuple[str, ...]:
    """The service connection point's components (scp_only), or every connector component."""
    return tuple(name for name, c in _data()["components"].items() if c["scp"] or not scp_only)


def does(component: str) -> str:
    return str(_data()["components"].get(component, {}).get("does", ""))


@cache
def messages() -> dict[int, Message]:
    return {int(k): Message(id=int(k), **v) for k, v in _data()["messages"].items()}


def words(message_id: int) -> str:
    """What a status message ID means, or '' when the table does not know it."""
    known = messages().get(message_id)
    return known.text if known else ""
