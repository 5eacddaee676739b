"""When published content changes, the cooperatives' PDFs concerned are made again.

Subscribed to the domain's ``published_content_changed`` by
``DocumentsConfig.ready()``: the domain never imports its documents. The event
comes once the change has committed, so the worker reads what was saved.
Fixtures and bulk loads name no selection: those PDFs are made on their first
download. A task queued for nothing new costs one HTML rendering, not a PDF
(``cooperative.refresh`` compares the content's digest).

Reference data (pillars, engagements) edited in the admin does not remake the
stored PDFs: they keep the wording they were published with until their next
change.
"""

from collections.abc import Set

from .tasks import make_cooperative_pdf


def remake(sender, *, selection_ids: Set[int], **kwargs) -> None:
    for selection_id in sorted(selection_ids):
        make_cooperative_pdf.enqueue(selection_id=selection_id)
