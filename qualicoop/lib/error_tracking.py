"""Errors reported to Sentry, or to a self-hosted GlitchTip, when SENTRY_DSN is given.

What leaves the portal is the error and where it happened, never what a person
typed or holds: no request body (forms carry passwords, messages, names), no
cookies, no local variables (a view's or a task's locals hold the same data and
the bodies of e-mails, under names no list could foresee), and whatever is left
goes through ``scrub`` before it is sent.
"""

import re
import sys
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sentry_sdk
from django_tasks import TaskResultStatus
from django_tasks.signals import task_finished
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import ignore_logger

FILTERED = "[Filtré]"
# Parts of a key (header, cookie, query parameter, any field of the event) whose
# value is never sent: a substring, compared in lower case with "-" read as "_".
SENSITIVE_KEY_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "csrf",
    "session",
    "cookie",
    "authorization",
    "api_key",
    "otp",
    "body",
    "signature",
    "x_forwarded_for",
)
# An address written in a log message or an exception ("email_failed to=...").
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
QUERY_STRING_KEYS = ("query_string",)
TOKEN_IN_URL = re.compile(
    r"([?&][^=&#\s]*(?:token|key|signature|code|sig)[^=&#\s]*=)[^&#\s]*", re.IGNORECASE
)
# Links of password resets and invitations carry their token in the path.
TOKEN_IN_PATH = re.compile(r"/[0-9A-Za-z]{1,13}-[0-9a-f]{20,}/")


def _sensitive(key: str) -> bool:
    normalized = key.lower().replace("-", "_")
    return any(part in normalized for part in SENSITIVE_KEY_PARTS)


def _scrub_text(text: str) -> str:
    text = EMAIL_ADDRESS.sub(FILTERED, text)
    text = TOKEN_IN_URL.sub(lambda match: match.group(1) + FILTERED, text)
    return TOKEN_IN_PATH.sub(f"/{FILTERED}/", text)


def _scrub_query_string(query: str) -> str:
    return urlencode(
        [
            (key, FILTERED if _sensitive(key) else _scrub_text(value))
            for key, value in parse_qsl(query, keep_blank_values=True)
        ]
    )


def scrub(value: Any, key: str = "") -> Any:
    """The event with every sensitive key's value, address and token replaced."""
    if key and _sensitive(key):
        return FILTERED
    if isinstance(value, dict):
        return {
            name: (
                _scrub_query_string(item)
                if name in QUERY_STRING_KEYS and isinstance(item, str)
                else scrub(item, str(name))
            )
            for name, item in value.items()
        }
    if isinstance(value, list | tuple):
        # Headers come as [name, value] pairs.
        if len(value) == 2 and isinstance(value[0], str) and _sensitive(value[0]):
            return [value[0], FILTERED]
        return [scrub(item) for item in value]
    if isinstance(value, str):
        return _scrub_text(value)
    return value


def before_send(event: Any, hint: dict) -> Any:
    request = event.get("request")
    if isinstance(request, dict):
        for part in ("data", "cookies", "env"):
            request.pop(part, None)
    event.pop("user", None)
    return scrub(event)


def before_breadcrumb(crumb: Any, hint: dict) -> Any:
    return scrub(crumb)


def start(*, dsn: str, environment: str, release: str) -> None:
    """Report errors of the web processes and the task worker to ``dsn``."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration()],
        # Errors only: no tracing, no profiling, no sessions.
        traces_sample_rate=None,
        auto_session_tracking=False,
        before_send=before_send,
        before_breadcrumb=before_breadcrumb,
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_bodies": [],
            "http_headers": {"request": {"mode": "denylist", "terms": list(SENSITIVE_KEY_PARTS)}},
            "url_query_params": {"mode": "denylist", "terms": list(SENSITIVE_KEY_PARTS)},
            "stack_frame_variables": False,
            "database_query_data": False,
        },
    )
    # django_tasks logs every failure with its traceback: reported by report_failed_task
    # below with the task's name, it would otherwise arrive twice.
    ignore_logger("django_tasks")


def report_failed_task(sender, task_result, **kwargs) -> None:
    """A task that failed, reported with its exception (sent while it is being handled)."""
    if task_result.status != TaskResultStatus.FAILED:
        return
    error = sys.exc_info()[1]
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("task", task_result.task.module_path)
        scope.set_tag("task_id", str(task_result.id))
        if error is not None:
            sentry_sdk.capture_exception(error)
        else:
            sentry_sdk.capture_message(
                f"Tâche en échec : {task_result.task.module_path}", level="error"
            )


def connect() -> None:
    task_finished.connect(report_failed_task, dispatch_uid="qualicoop.lib.error_tracking")
