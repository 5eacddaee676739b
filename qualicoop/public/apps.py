from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """The public audience, an app of its own so that it may follow what gets published."""

    name = "qualicoop.public"
    label = "public"
    verbose_name = _("Site public")

    def ready(self):
        # The open-data files follow the domain's one event for published
        # content; the public version has moved before it is sent.
        from commitments.publication import published_content_changed

        from . import opendata_files

        published_content_changed.connect(
            opendata_files.published_content_changed, dispatch_uid="opendata-files-refresh"
        )
