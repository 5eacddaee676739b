"""One log line per request, and one id that follows a request into the tasks it queues.

The id comes from the proxy's X-Request-ID when it is sane (so that the proxy's
log and ours name the same request), else it is made here; it is sent back in
the response's X-Request-ID, written on every log line of the request, and
carried by the tasks the request queues (``task`` below), so that an e-mail
sent by the worker is logged with the id of the request that asked for it.

With LOG_FORMAT=json every line is one JSON object (``JSONFormatter``), which a
host's log collector reads without a parser of its own.
"""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from django.utils.functional import empty
from django_tasks import task as django_task
from django_tasks.base import Task

logger = logging.getLogger("qualicoop.requests")

HEADER = "X-Request-ID"
# What a proxy may send: a UUID, a hex digest, nginx's $request_id, a trace id.
# Anything else (too long, spaces, control characters) is replaced, never logged.
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
# The keyword argument a queued task carries the id in.
TASK_ARGUMENT = "request_id"

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


def request_id_from(incoming: str | None) -> str:
    if incoming and SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def _user_id(request) -> int | None:
    # Read only when something already loaded the user: a public page must not
    # open the session just to be logged.
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    """Outermost: names the request, times all of it, logs its outcome."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get(HEADER))
        token = current_request_id.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            match = request.resolver_match
            route = match.view_name if match else None
            duration_ms = round((time.monotonic() - started) * 1000, 1)
            logger.info(
                "%s %s %s %sms",
                request.method,
                route or "-",
                response.status_code,
                duration_ms,
                extra={
                    "user_id": _user_id(request),
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "method": request.method,
                },
            )
            return response
        finally:
            current_request_id.reset(token)


# Fields a log line may carry beside its message, from the request log above.
EXTRA_FIELDS = ("user_id", "route", "status", "duration_ms", "method", "task")


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and the extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": current_request_id.get(),
        }
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


# Without slots: a slotted dataclass is a new class, which breaks the methods' super().
@dataclass(frozen=True, kw_only=True)
class RequestTask(Task):
    """A task queued with the id of the request (or task) that queued it, run under it."""

    def enqueue(self, *args, **kwargs):
        return super().enqueue(*args, **self._with_request_id(kwargs))

    async def aenqueue(self, *args, **kwargs):
        return await super().aenqueue(*args, **self._with_request_id(kwargs))

    def call(self, *args, **kwargs):
        token = current_request_id.set(kwargs.pop(TASK_ARGUMENT, None))
        try:
            return super().call(*args, **kwargs)
        finally:
            current_request_id.reset(token)

    @staticmethod
    def _with_request_id(kwargs: dict) -> dict:
        request_id = current_request_id.get()
        return {**kwargs, TASK_ARGUMENT: request_id} if request_id else kwargs


def task(**options):
    """django_tasks' ``@task(...)``, whose runs log with the id of the request that queued them."""

    def wrapper(func):
        plain = django_task(**options)(func)
        return RequestTask(**{field.name: getattr(plain, field.name) for field in fields(plain)})

    return wrapper
