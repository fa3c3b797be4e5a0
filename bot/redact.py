"""Secrets never reach a log line, whoever logs them.

slack_sdk at DEBUG prints whole Web API answers (a careless answer can echo a token), bolt
logs the body of a request whose signature failed, and an exception message may carry a
URL. Filters on handlers miss handlers added later (pytest's, a deployment's), so this
wraps the log-record factory: every record is redacted when it is made, before any
handler sees it. The exact secrets from settings are replaced, and so is anything shaped
like a Slack or RunPod token.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from podwarden.settings import Settings

MASK = "[redacted]"
TOKEN_SHAPES = re.compile(r"\b(?:xox[abeoprs]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|rpa_[A-Za-z0-9]+)")

_lock = threading.Lock()
_secrets: set[str] = set()
_previous: Callable[..., logging.LogRecord] | None = None


def secrets_of(settings: Settings) -> list[str]:
    found = []
    for value in (settings.slack_bot_token, settings.slack_app_token, settings.slack_signing_secret,
                  settings.runpod_api_key):
        if value is not None and value.get_secret_value():
            found.append(value.get_secret_value())
    return found


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    with _lock:
        known = sorted(set(secrets) if secrets is not None else _secrets, key=len, reverse=True)
    for secret in known:
        if len(secret) >= 6:  # a very short "secret" would shred ordinary words
            text = text.replace(secret, MASK)
    return TOKEN_SHAPES.sub(MASK, text)


def install(settings: Settings | None = None, *, extra: Iterable[str] = ()) -> None:
    """Redact `settings`' secrets (and token shapes) from every log record from now on."""
    global _previous
    with _lock:
        if settings is not None:
            _secrets.update(secrets_of(settings))
        _secrets.update(s for s in extra if s)
        if _previous is not None:
            return
        previous = _previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it for logging to report
            return record
        cleaned = redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(exc_text)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, ()
        return record

    logging.setLogRecordFactory(factory)


def uninstall() -> None:
    """Put the previous record factory back and forget the secrets (tests)."""
    global _previous
    with _lock:
        if _previous is not None:
            logging.setLogRecordFactory(_previous)
            _previous = None
        _secrets.clear()
