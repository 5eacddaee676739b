"""The password-reset form, sending its e-mail through the mail task.

Django's form sends inside the request: a slow mail server made the user wait,
and the wait told whether the address has an account. Here the request only
renders the message, in the user's language, and queues it.
"""

from typing import Any

from django.contrib.auth import forms as auth_forms
from django.template import loader

from .mail import send_email


class PasswordResetForm(auth_forms.PasswordResetForm):
    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = loader.render_to_string(subject_template_name, context)
        # A header cannot hold a line break.
        subject = "".join(subject.splitlines())
        send_email.enqueue(
            subject=subject,
            body=loader.render_to_string(email_template_name, context),
            to=[to_email],
            from_email=from_email,
            html_body=(
                loader.render_to_string(html_email_template_name, context)
                if html_email_template_name is not None
                else None
            ),
        )
