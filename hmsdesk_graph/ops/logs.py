"""Logging setup: JSON lines in production, text in development, a request id on every line.

The request id lives in a context variable set by the request middleware; a logging filter
copies it onto every record, so any logger used while a request runs (ours, tortoise's,
uvicorn's error logger) carries it without being passed anything. Log messages never hold
GraphQL variables or personal data: callers log shapes and codes, never values.
"""

from __future__ import annotations

import logging
import logging.config
import re
import time
import uuid
from contextvars import ContextVar
from typing import Any

import orjson

from hmsdesk_graph.config import Settings

REQUEST_ID_HEADER = "x-request-id"
# A client's X-Request-ID is reused only when it looks like an id: it ends up in every log
# line, so free text (newlines, personal data) is replaced by a generated id.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")

request_id_var: ContextVar[str | None] = ContextVar("hmsdesk_request_id", default=None)

_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
) | {"message", "asctime", "request_id", "color_message"}  # uvicorn's ANSI copy


def new_request_id(offered: str | None = None) -> str:
    """The client's id when it is acceptable, otherwise a fresh random one."""
    if offered and _ACCEPTABLE_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (``-`` outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get() or "-",
        }
        # Structured fields passed with `extra=` (the access log's method, status, …).
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
            entry["stack"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def log_format(settings: Settings) -> str:
    """`json` or `text`: the setting, else JSON in production and text elsewhere."""
    if settings.log_format:
        return settings.log_format
    return "json" if settings.is_production else "text"


def log_config(settings: Settings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict; uvicorn applies it in each worker process too."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"}
        if log_format(settings) == "json"
        else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": f"{__name__}.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"level": settings.log_level, "handlers": ["stderr"]},
        "loggers": {
            # uvicorn's own handlers would print a second, unstructured copy of each line.
            "uvicorn": {"level": settings.log_level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": settings.log_level, "handlers": [], "propagate": True},
            # Access lines come from hmsdesk_graph.access (no query strings).
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            # "Tortoise-ORM shutdown" and similar chatter at INFO is noise for operators.
            "tortoise": {"level": "WARNING"},
        },
    }


def configure_logging(settings: Settings) -> None:
    """Install the process-wide logging configuration (CLI and server)."""
    logging.config.dictConfig(log_config(settings))
