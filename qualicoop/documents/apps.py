from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """The documents made from the domain: an app of its own for what it keeps (the files)."""

    name = "qualicoop.documents"
    label = "documents"
    verbose_name = _("Documents")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The domain knows nothing of its documents: they listen to its one
        # event for published content, and remake the PDFs it names.
        from commitments.publication import published_content_changed

        from . import triggers

        published_content_changed.connect(triggers.remake, dispatch_uid="documents-remake")
