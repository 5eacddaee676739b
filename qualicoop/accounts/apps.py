from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """The accounts audience, an app of its own for what it keeps: the inactivity notices,
    each person's notification settings and the e-mails waiting to be merged or digested."""

    name = "qualicoop.accounts"
    label = "accounts"
    verbose_name = _("Comptes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connect the failed-login logger, the session's expiry stamp and the
        # second factor's decision, all made at sign-in.
        # Every message the domain hands over (qualicoop.lib.notify) is delivered here.
        from qualicoop.lib.notify import people_notified

        from . import second_factor, security_log, session  # noqa: F401
        from .delivery import queue_items

        people_notified.connect(queue_items, dispatch_uid="accounts.queue_items")
