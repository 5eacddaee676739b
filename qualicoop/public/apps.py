from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """The public audience, an app of its own so that it may follow what gets published.

    Listed after ``commitments`` in INSTALLED_APPS: its receivers run after the
    domain's, which move the public version that the open-data files follow.
    """

    name = "qualicoop.public"
    label = "public"
    verbose_name = _("Site public")

    def ready(self):
        from . import opendata_files

        opendata_files.connect()
