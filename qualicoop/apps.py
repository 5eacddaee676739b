from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualicoopConfig(AppConfig):
    """The site itself: its audiences' views, its template tags and its operations commands."""

    name = "qualicoop"
    verbose_name = _("Portail Quali'Coop")

    def ready(self):
        from . import checks  # noqa: F401 - registers the deployment checks
