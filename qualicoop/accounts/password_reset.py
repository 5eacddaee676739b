"""The password-reset form, sending its e-mail through the mail task.

Django's form sends inside the request: a slow mail server made the user wait,
and the wait told whether the address has an account. Here the request only
renders the message, in the user's language, and queues it.

The link in the message is on ``SITE_URL``, never on the request's Host: a
forged Host would otherwise send the account's reset token to another site.
And an address gets at most ``RESETS_PER_HOUR`` messages an hour, so that the
form cannot be used to flood someone's inbox; the page says the same thing
either way ("if an account exists, an e-mail was sent"), so nothing leaks.
"""

import logging
from typing import Any

from django.contrib.auth import forms as auth_forms
from django.template import loader
from django.utils.crypto import salted_hmac

from qualicoop.lib.absolute_urls import site_domain, site_scheme
from qualicoop.lib.mail import send_email
from qualicoop.lib.rate_limit import count_one

logger = logging.getLogger("qualicoop.security")

RESETS_PER_HOUR = 3
HOUR = 60 * 60


def _fingerprint(address: str) -> str:
    """The address, keyed with the secret: the same for each request, unreadable in logs."""
    return salted_hmac("qualicoop.password_reset", address.strip().lower()).hexdigest()[:20]


def _one_more_allowed(fingerprint: str) -> bool:
    """Count one request for the address; whether it stays within the hour's allowance."""
    return count_one(f"password-reset:{fingerprint}", window=HOUR) <= RESETS_PER_HOUR


class PasswordResetForm(auth_forms.PasswordResetForm):
    def save(self, *args: Any, **kwargs: Any) -> None:
        fingerprint = _fingerprint(self.cleaned_data["email"])
        if not _one_more_allowed(fingerprint):
            logger.warning(
                "password_reset_refused reason=too_many_requests address_key=%s", fingerprint
            )
            return
        super().save(
            *args,
            **{**kwargs, "domain_override": site_domain(), "use_https": site_scheme() == "https"},
        )

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        # A header cannot hold a line break.
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
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
