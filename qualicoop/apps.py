from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualicoopConfig(AppConfig):
    """The site itself: its audiences' views, its template tags and its operations commands."""

    name = "qualicoop"
    verbose_name = _("Portail Quali'Coop")

    def ready(self):
        from .accounts import security_log  # noqa: F401 - connects the failed-login logger
