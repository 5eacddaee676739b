from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = _("Engagements Quali'Coop")

    def ready(self):
        from . import publication  # noqa: F401 - connects the receivers
