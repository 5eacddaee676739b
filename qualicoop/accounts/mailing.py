"""The accounts' e-mails: rendered in French here, sent by the mail task (qualicoop.mail)."""

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from qualicoop.mail import send_email


def queue_email(template: str, context: dict[str, Any], to: str) -> None:
    """Render ``emails/<template>.txt`` and its subject, and queue the message to ``to``."""
    with translation.override(settings.LANGUAGE_CODE):
        subject_lines = render_to_string(f"emails/{template}_subject.txt", context)
        body = render_to_string(f"emails/{template}.txt", context)
    # A header cannot hold a line break.
    send_email.enqueue(subject=" ".join(subject_lines.split()), body=body, to=[to])
