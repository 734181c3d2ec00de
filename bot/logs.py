"""Structured logs: one line per event with the member, customer and request it concerns.

``log_format = "json"`` (env ``LOG_FORMAT=json``) prints JSON lines for a log shipper; the default
prints ``key=value`` pairs. Secrets never reach a log record: settings hold them as SecretStr.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
_BOUND: ContextVar[tuple[tuple[str, Any], ...]] = ContextVar("poolbot_log_fields", default=())


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Add ``fields`` (request id, member) to every record logged inside the block, at any depth."""
    token = _BOUND.set((*_BOUND.get(), *fields.items()))
    try:
        yield
    finally:
        _BOUND.reset(token)


class _BoundFields(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _BOUND.get():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
            **_extras(record),
        }
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        pairs = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        line = f"{self.formatTime(record)} {record.levelname} {record.name} {record.getMessage()} {pairs}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line.rstrip()


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is now (test runners swap it), not the one at start."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


QUIET_LOGGERS = ("httpx", "httpcore", "urllib3", "slack_sdk.web.base_client")
# Bolt's loggers: ``slack_bolt.<Class>`` and the app's own, named in bot/handlers/slack/app.py
BOLT_LOGGERS = ("slack_bolt", "poolbot.slack.bolt")
# what comes just before a request's body in Bolt's messages (a bad signature's at INFO; a middleware
# that did not answer; an unhandled request, its listed fields): the message is cut after it
BODY_MARKERS = ("body: ", "body=", "for the request (", "Unhandled request (")
MAX_BOLT_MESSAGE = 300
WITHHELD = "[request body withheld]"


class WithholdBodies(logging.Filter):
    """No request body reaches a log: a Bolt record that would print one (or is over
    :data:`MAX_BOLT_MESSAGE` characters) is cut before it, arguments dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(BOLT_LOGGERS):
            return True
        message = record.getMessage()
        cuts = [i + len(m) for i, m in ((message.find(m), m) for m in BODY_MARKERS) if i >= 0]
        if cuts or len(message) > MAX_BOLT_MESSAGE:
            end = min([*cuts, MAX_BOLT_MESSAGE])
            record.msg, record.args = message[:end] + WITHHELD, None
        return True


WITHHOLD_BODIES = WithholdBodies()


def withhold_bodies(*loggers: logging.Logger) -> None:
    """Put the filter on ``loggers`` and on every Bolt logger created so far (a logger's filters
    run for its own records, whichever handler prints them)."""
    names = [n for n in list(logging.root.manager.loggerDict) if n.startswith(BOLT_LOGGERS)]
    known = [logging.getLogger(n) for n in names]
    for logger in (*loggers, *known):
        if WITHHOLD_BODIES not in logger.filters:
            logger.addFilter(WITHHOLD_BODIES)


def configure(level: str = "INFO", fmt: str = "console") -> None:
    handler = _CurrentStderr()
    handler.addFilter(_BoundFields())
    handler.addFilter(WITHHOLD_BODIES)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # httpx logs every request URL at INFO, and a DingTalk session webhook URL is a credential
    # (anyone holding it can post as the bot); Slack's response URLs likewise
    for chatty in QUIET_LOGGERS:
        logging.getLogger(chatty).setLevel(logging.WARNING)
