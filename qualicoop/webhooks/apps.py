from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Partners' webhooks: an app of its own for what it keeps (endpoints, deliveries)."""

    name = "qualicoop.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The domain knows nothing of its webhooks: they follow the rows that
        # record its moves (events.py says which and why).
        from django.db.models.signals import post_delete, post_save, pre_save

        from commitments.models import Measurement, ProgressUpdate, Transition

        from . import events

        post_save.connect(events.selection_moved, sender=Transition, dispatch_uid="webhooks-moves")
        pre_save.connect(
            events.update_saving, sender=ProgressUpdate, dispatch_uid="webhooks-update-before"
        )
        post_save.connect(
            events.update_saved, sender=ProgressUpdate, dispatch_uid="webhooks-update-after"
        )
        for signal in (post_save, post_delete):
            signal.connect(
                events.measurement_changed,
                sender=Measurement,
                dispatch_uid=f"webhooks-values-{signal is post_save}",
            )
