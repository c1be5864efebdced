"""Passwords: from an environment variable or a prompt, remembered only so no text we write can hold them."""

from __future__ import annotations

import base64
import logging
import os
import sys
import threading
from collections.abc import Callable
from getpass import getpass
from urllib.parse import quote, quote_plus

MASK = "********"
_known: set[str] = set()
_typed: dict[tuple[str, str], str] = {}  # (section, variable) -> what the person typed: asked once a run
_lock = threading.Lock()


def password(
    env: str, section: str, prompt: str, error: Callable[[str], Exception], key: str = "password_env"
) -> str:
    """The value of the variable `env` names; a prompt only when a person is at the terminal."""
    value = os.environ.get(env) if env else None
    if value is None:
        with _lock:
            value = _typed.get((section, env))
    if value is None and sys.stdin.isatty():
        value = getpass(prompt)
        with _lock:
            _typed[(section, env)] = value
    if value is None:
        raise error(
            f"environment variable {env or '(none)'} (named by [{section}] {key}) is not set; "
            "set it for the account the task runs as, or run at a terminal to be asked"
        )
    remember(value)
    return value


def ask_first(needed: list[tuple[str, ...]], error: Callable[[str], Exception]) -> None:
    """Every (section, variable, prompt[, key naming the variable]) a run will need, read or asked now:
    before a progress display could hide a prompt, and before anything is scanned, so a task without its
    secret stops at once."""
    missing = []
    for section, env, prompt, *key in needed:
        try:
            password(env, section, prompt, error, *key)
        except Exception as exc:
            missing.append(str(exc))
    if missing:
        raise error("; ".join(missing) + "; nothing was scanned")


def remember(value: str) -> None:
    if len(value) >= 6:  # shorter would mask ordinary words; such a password has bigger problems
        with _lock:
            _known.add(value)


def forget() -> None:
    """Drop every remembered password (one process runs one scan; tests run many)."""
    with _lock:
        _known.clear()
        _typed.clear()


def forms(value: str) -> set[str]:
    """How a password can appear in text: as is, URL-encoded, base64 (alone or in HTTP Basic)."""
    raw = value.encode()
    return {
        value,
        quote(value, safe=""),
        quote_plus(value),
        base64.b64encode(raw).decode().rstrip("="),
    }


def scrub(text: str) -> str:
    """Mask every remembered password in any form; the rest of the text stays as it was."""
    with _lock:
        known = list(_known)
    for form in sorted({f for v in known for f in forms(v)}, key=len, reverse=True):
        if form:
            text = text.replace(form, MASK)
    return text


class ScrubFilter(logging.Filter):
    """For log handlers: a library that logs what it sends (a bind, a connection string) logs no secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message or record.exc_info:
            record.msg, record.args, record.exc_info, record.exc_text = cleaned, (), None, None
        return True
