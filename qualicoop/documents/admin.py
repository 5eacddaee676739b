"""The documents in the admin: read, never typed in.

PDFs and syntheses are made by the code from the published content; an
administrator may only look at them and delete one (a deleted cooperative PDF
is made again at its next download, from the same published selection). The
files themselves are not shown in the form: their size says enough, and the
download addresses serve them.
"""

from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import CooperativeDocument, SynthesisJob


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CooperativeDocument)
class CooperativeDocumentAdmin(ReadOnlyAdmin):
    list_display = ["selection", "generated_at", "content_as_of", "file_size", "duration"]
    list_select_related = ["selection__cooperative", "selection__campaign"]
    search_fields = ["selection__cooperative__name", "selection__campaign__name"]
    date_hierarchy = "generated_at"
    readonly_fields = (
        "selection",
        "generated_at",
        "content_as_of",
        "file_size",
        "duration",
        "digest",
    )
    fields = readonly_fields

    @admin.display(description=_("taille"))
    def file_size(self, document):
        return filesizeformat(document.size)


@admin.register(SynthesisJob)
class SynthesisJobAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "requested_at", "requested_by", "state", "progress", "finished_at"]
    list_filter = ["state", "campaign"]
    list_select_related = ["campaign", "requested_by"]
    date_hierarchy = "requested_at"
    readonly_fields = (
        "campaign",
        "requested_by",
        "requested_at",
        "state",
        "progress",
        "started_at",
        "finished_at",
        "message",
        "error",
        "downloads",
    )
    fields = readonly_fields

    @admin.display(description=_("fichiers"))
    def downloads(self, job):
        if job.state != SynthesisJob.State.READY:
            return "—"
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">XLSX</a>',
            reverse("documents:federation:synthesis_pdf", args=[job.pk]),
            reverse("documents:federation:synthesis_xlsx", args=[job.pk]),
        )
