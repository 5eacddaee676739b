from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """The accounts audience, an app of its own for what it keeps: the inactivity notices."""

    name = "qualicoop.accounts"
    label = "accounts"
    verbose_name = _("Comptes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connect the failed-login logger, the session's expiry stamp and the
        # second factor's decision, all made at sign-in.
        from . import second_factor, security_log, session  # noqa: F401
