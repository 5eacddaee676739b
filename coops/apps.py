from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoopsConfig(AppConfig):
    name = "coops"
    verbose_name = _("Coopératives")

    def ready(self):
        from . import security_log  # noqa: F401 - connects the failed-login logger
