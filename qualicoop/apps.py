from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualicoopConfig(AppConfig):
    """The site itself: its audiences' views, its template tags and its operations commands."""

    name = "qualicoop"
    verbose_name = _("Portail Quali'Coop")

    def ready(self):
        from django.contrib import admin

        from . import checks  # noqa: F401 - registers the deployment checks
        from .lib.error_tracking import connect as report_failed_tasks
        from .lib.i18n import use_french_plurals

        # "0 projet", not "0 projets", in e-mails and tasks too, outside any request.
        use_french_plurals()
        # A failed task is reported like a failed request (a no-op without SENTRY_DSN).
        report_failed_tasks()
        # The admin says whose it is, in the portal's words, not "Django".
        admin.site.site_header = _("Administration Quali'Coop")
        admin.site.site_title = _("Administration Quali'Coop")
        admin.site.index_title = _("Données de référence et comptes")
