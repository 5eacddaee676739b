"""Every e-mail leaves through one background task, so that no request waits on SMTP.

Messages are rendered here, in French, from ``emails/<name>.txt`` and
``emails/<name>_subject.txt`` (``render_message``, ``queue_message``), then enqueued; the task
only sends. A mail server that is down or hangs costs the worker one
``EMAIL_TIMEOUT`` per attempt, never a user's request. A failed attempt is tried
again later, a bounded number of times; the last failure is logged as an error
and recorded as the task's failure, so that no message is lost without a trace.
"""

import logging
from datetime import timedelta
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .absolute_urls import absolute_url
from .request_log import task

logger = logging.getLogger("qualicoop.lib.mail")

# Waits before the second, third and fourth attempts: a restarting mail server
# is back within minutes, a longer outage gets half an hour more.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
ATTEMPTS = len(RETRY_DELAYS) + 1


@task()
def send_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    from_email: str | None = None,
    html_body: str | None = None,
    attempt: int = 1,
) -> str | None:
    """Send one rendered message; a failed attempt queues the next one and returns its id."""
    # Every e-mail ends on where its person chooses what the portal writes to them.
    message = EmailMultiAlternatives(
        subject=subject, body=f"{body.rstrip()}\n\n{_footer()}", from_email=from_email, to=to
    )
    if html_body is not None:
        message.attach_alternative(html_body, "text/html")
    try:
        message.send()
    except (SMTPException, OSError) as error:
        if attempt >= ATTEMPTS:
            logger.error(
                "email_abandoned to=%s attempts=%s subject=%r",
                ",".join(to),
                attempt,
                subject,
                exc_info=True,
            )
            raise
        next_attempt = send_email
        delay = RETRY_DELAYS[attempt - 1]
        if send_email.get_backend().supports_defer:
            next_attempt = send_email.using(run_after=timezone.now() + delay)
        else:
            # The immediate backend (tests, TASKS_BACKEND=immediate) cannot wait.
            delay = timedelta(0)
        logger.warning(
            "email_failed to=%s attempt=%s/%s retry_in=%ss error=%r",
            ",".join(to),
            attempt,
            ATTEMPTS,
            int(delay.total_seconds()),
            error,
        )
        return next_attempt.enqueue(
            subject=subject,
            body=body,
            to=to,
            from_email=from_email,
            html_body=html_body,
            attempt=attempt + 1,
        ).id
    # No address: the log says that a message left, and for which request.
    logger.info("email_sent recipients=%s attempt=%s", len(to), attempt)
    return None


def _footer() -> str:
    """Where each person chooses what the portal writes to them, and when."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            "emails/_footer.txt",
            {"settings_url": absolute_url(reverse("accounts:notification_settings"))},
        )


def render_message(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """The subject and body of ``emails/<template>``, in the site's language (French)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{template}_subject.txt", context)
        body = render_to_string(f"emails/{template}.txt", context)
    # A header cannot hold a line break.
    return " ".join(subject.split()), body


def queue_message(template: str, context: dict[str, Any], to: str) -> None:
    """Render ``emails/<template>`` for ``to`` and queue it; the task only sends."""
    subject, body = render_message(template, context)
    send_email.enqueue(subject=subject, body=body, to=[to])
