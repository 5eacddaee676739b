"""Admin of the Quali'Coop reference data and selections (federation administrators).

Statuses and publication move only through ``commitments.workflow``: here they
are read-only, selections and status changes cannot be added by hand, and the
record of status changes (transitions and the remarks given with them) cannot
be rewritten, only deleted along with what it records.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import catalogue
from .models import (
    Campaign,
    CatalogueIndicator,
    Choice,
    Engagement,
    FollowUp,
    Indicator,
    IndicatorMapping,
    InternalNote,
    Measurement,
    Notification,
    Pillar,
    ProgressUpdate,
    Project,
    Remark,
    ReopeningRequest,
    ReviewDraft,
    Selection,
    SustainableDevelopmentGoal,
    Transition,
    VsmeDisclosure,
)
from .workflow import WorkflowError


class EngagementInline(admin.TabularInline):
    model = Engagement
    extra = 0
    fields = ["number", "title"]
    show_change_link = True


@admin.register(Pillar)
class PillarAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "tagline"]
    list_display_links = ["number", "name"]
    search_fields = ["name", "tagline"]
    inlines = [EngagementInline]


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "pillar"]
    list_display_links = ["number", "title"]
    list_filter = ["pillar"]
    search_fields = ["title", "description"]
    list_select_related = ["pillar"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "opens_on",
        "closes_on",
        "min_engagements",
        "publish_updates_directly",
        "is_open_now",
    ]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "opens_on"

    @admin.display(description=_("ouverte"), boolean=True)
    def is_open_now(self, campaign):
        return campaign.is_open()


class ReadOnlyInline(admin.TabularInline):
    """An inline that shows rows without letting anyone add, change or delete them."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ChoiceInline(ReadOnlyInline):
    model = Choice
    fields = ["engagement", "created_at"]
    show_change_link = True


class TransitionInline(ReadOnlyInline):
    model = Transition
    fields = ["created_at", "from_status", "to_status", "actor", "message"]
    show_change_link = True


@admin.register(Selection)
class SelectionAdmin(admin.ModelAdmin):
    list_display = [
        "cooperative",
        "campaign",
        "revision",
        "status",
        "is_published",
        "submitted_at",
        "decided_at",
    ]
    list_filter = ["status", "is_published", "campaign"]
    search_fields = ["cooperative__name", "cooperative__slug"]
    list_select_related = ["cooperative", "campaign"]
    date_hierarchy = "updated_at"
    # Only the workflow writes the state; a selection also never changes hands.
    readonly_fields = [
        "cooperative",
        "campaign",
        "revision",
        "status",
        "is_published",
        "created_at",
        "updated_at",
        "submitted_at",
        "decided_at",
    ]
    inlines = [ChoiceInline, TransitionInline]

    def has_add_permission(self, request):
        # Selections are opened by the workflow (start_selection), never by hand.
        return False


class ProjectInline(admin.StackedInline):
    model = Project
    extra = 0
    fields = Project.EDITABLE_FIELDS
    show_change_link = True


def _id_or_404(field, value):
    try:
        field.to_python(value)
    except ValidationError:
        raise Http404 from None


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's pages, answering 404 to an id that is no id.

    Its URLs take any text as the object's and the version's id, and the
    database lookup then failed (a 500) on one that is not a number. A model
    the admin may not change cannot be reverted to a past version either.
    """

    def history_view(self, request, object_id, extra_context=None):
        _id_or_404(self.model._meta.pk, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        _id_or_404(self.model._meta.pk, object_id)
        _id_or_404(self.model.history.model._meta.pk, version_id)
        # Its POST saves the old version back without asking for the change
        # permission: a read-only model's past versions stay read-only.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Choice)
class ChoiceAdmin(HistoryAdmin):
    list_display = ["engagement", "selection", "created_at"]
    list_filter = ["engagement__pillar", "engagement", "selection__campaign"]
    search_fields = ["selection__cooperative__name", "engagement__title"]
    list_select_related = ["engagement", "selection__cooperative", "selection__campaign"]
    autocomplete_fields = ["selection"]
    inlines = [ProjectInline]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = Indicator.EDITABLE_FIELDS


@admin.register(Project)
class ProjectAdmin(HistoryAdmin):
    inlines = [IndicatorInline]
    list_display = ["title", "engagement_number", "cooperative", "progress", "updated_at"]
    list_filter = [
        "progress",
        "choice__engagement__pillar",
        "choice__engagement",
        "choice__selection__is_published",
        "choice__selection__campaign",
    ]
    search_fields = ["title", "description", "choice__selection__cooperative__name"]
    list_select_related = ["choice__engagement", "choice__selection__cooperative"]
    autocomplete_fields = ["choice"]
    # The id the public, the API and the open data know the project by.
    readonly_fields = ["public_id", "version", "created_at", "updated_at"]

    @admin.display(description=_("engagement"), ordering="choice__engagement__number")
    def engagement_number(self, project):
        return project.choice.engagement.number

    @admin.display(description=_("coopérative"), ordering="choice__selection__cooperative__name")
    def cooperative(self, project):
        return project.choice.selection.cooperative

    def save_model(self, request, obj, form, change):
        # Staff editing the same project in their workspace must see that it
        # changed under them (optimistic concurrency on ``version``).
        if change:
            obj.version += 1
            obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


class RemarkInline(ReadOnlyInline):
    model = Remark
    fields = ["engagement", "text"]


@admin.register(Transition)
class TransitionAdmin(admin.ModelAdmin):
    list_display = ["selection", "from_status", "to_status", "actor", "created_at"]
    list_filter = ["to_status", "from_status", "selection__campaign"]
    search_fields = ["selection__cooperative__name", "message", "actor__username"]
    list_select_related = ["selection__cooperative", "selection__campaign", "actor"]
    date_hierarchy = "created_at"
    inlines = [RemarkInline]

    # The record of who moved what and when is never written by hand. Deleting
    # stays possible so that a cooperative or selection can still be removed
    # with its history.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Remark)
class RemarkAdmin(admin.ModelAdmin):
    list_display = ["engagement", "short_text", "transition"]
    list_filter = ["engagement"]
    search_fields = ["text", "transition__selection__cooperative__name"]
    list_select_related = ["engagement", "transition__selection__cooperative"]

    @admin.display(description=_("remarque"))
    def short_text(self, remark):
        return str(remark)

    # Remarks belong to a reviewer's decision, recorded by the workflow.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["name", "campaign", "opens_on", "due_on", "is_open_now"]
    list_filter = ["campaign"]
    search_fields = ["name"]
    date_hierarchy = "opens_on"

    @admin.display(description=_("ouverte"), boolean=True)
    def is_open_now(self, follow_up):
        return follow_up.is_open()


class UpdateMeasurementInline(ReadOnlyInline):
    model = Measurement
    fields = ["indicator", "value", "measured_on", "comment"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(HistoryAdmin):
    """Read-only: updates move through ``commitments.progress``, from the workspace and the queue.

    Deleting stays possible (a message posted by mistake); the history keeps it.
    """

    list_display = ["project", "cooperative", "status", "state", "happened_on", "author"]
    list_filter = ["state", "status", "project__choice__engagement"]
    search_fields = ["text", "project__title", "project__choice__selection__cooperative__name"]
    list_select_related = ["project__choice__selection__cooperative", "author"]
    date_hierarchy = "happened_on"
    inlines = [UpdateMeasurementInline]

    @admin.display(description=_("coopérative"))
    def cooperative(self, update):
        return update.project.choice.selection.cooperative

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Measurement)
class MeasurementAdmin(HistoryAdmin):
    """Measured values: corrected here by administrators if a figure was mistyped."""

    list_display = ["indicator", "value", "measured_on", "update", "created_at"]
    list_filter = ["indicator__project__choice__engagement"]
    search_fields = ["indicator__name", "indicator__project__title", "comment"]
    list_select_related = ["indicator__project", "update"]
    raw_id_fields = ["indicator", "update"]
    date_hierarchy = "measured_on"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are written with the emails (``commitments.notifications``).

    Deleting stays possible, as for any message sent by mistake.
    """

    list_display = ["text", "user", "created_at", "read_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "user__username", "user__email"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the review moves (``commitments.workflow``): read, or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReopeningRequest)
class ReopeningRequestAdmin(_ReadOnlyAdmin):
    """Staff's requests to reopen a validated selection; decided from the federation's pages."""

    list_display = ["selection", "state", "requested_by", "created_at", "decided_by", "decided_at"]
    list_filter = ["state"]
    search_fields = ["selection__cooperative__name", "message", "reason"]
    list_select_related = ["selection__cooperative", "selection__campaign", "requested_by"]
    date_hierarchy = "created_at"


@admin.register(ReviewDraft)
class ReviewDraftAdmin(_ReadOnlyAdmin):
    """Reviews in progress, saved unsent; the decision deletes them."""

    list_display = ["selection", "reviewer", "decision", "updated_at"]
    search_fields = ["selection__cooperative__name", "reviewer__username"]
    list_select_related = ["selection__cooperative", "selection__campaign", "reviewer"]


@admin.register(InternalNote)
class InternalNoteAdmin(_ReadOnlyAdmin):
    """The reviewers' notes on selections, never shown to the cooperatives."""

    list_display = ["__str__", "selection", "author", "created_at"]
    search_fields = ["selection__cooperative__name", "text"]
    list_select_related = ["selection__cooperative", "selection__campaign", "author"]
    date_hierarchy = "created_at"


# --- The catalogue of common indicators ----------------------------------------------


@admin.register(SustainableDevelopmentGoal)
class SustainableDevelopmentGoalAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]
    search_fields = ["name"]


@admin.register(VsmeDisclosure)
class VsmeDisclosureAdmin(admin.ModelAdmin):
    list_display = ["code", "title"]
    search_fields = ["code", "title"]


@admin.register(CatalogueIndicator)
class CatalogueIndicatorAdmin(HistoryAdmin):
    """The federation's common indicators; the starting ones are proposals to validate."""

    list_display = ["code", "label", "unit", "aggregation", "direction"]
    list_filter = ["aggregation", "direction", "engagements__pillar", "engagements", "sdgs"]
    search_fields = ["code", "label", "definition"]
    filter_horizontal = ["engagements", "sdgs", "vsme_disclosures"]
    prepopulated_fields = {"code": ["label"]}


class MappingForm(forms.ModelForm):
    class Meta:
        model = IndicatorMapping
        fields = ["indicator", "catalogue", "factor"]
        help_texts = {
            "indicator": _("Un indicateur libre d'un projet, pas encore rattaché au catalogue."),
            "factor": _(
                "Ce par quoi multiplier ses valeurs pour les exprimer dans l'unité du catalogue "
                "(1 si c'est la même)."
            ),
        }

    def clean_indicator(self):
        indicator = self.cleaned_data["indicator"]
        if indicator.catalogue_id is not None:
            raise ValidationError(_("Cet indicateur est déjà rattaché au catalogue."))
        return indicator


@admin.register(IndicatorMapping)
class IndicatorMappingAdmin(HistoryAdmin):
    """A free indicator mapped onto the catalogue: added here, then kept as a record."""

    form = MappingForm
    list_display = ["former_name", "catalogue", "factor", "by", "at"]
    list_filter = ["catalogue"]
    search_fields = ["former_name", "catalogue__label", "catalogue__code"]
    list_select_related = ["catalogue", "by"]
    raw_id_fields = ["indicator"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            mapping = catalogue.map_indicator(
                indicator=form.cleaned_data["indicator"],
                catalogue=form.cleaned_data["catalogue"],
                factor=form.cleaned_data["factor"],
                by=request.user,
            )
        except WorkflowError as error:
            raise ValidationError(str(error)) from error
        obj.pk = mapping.pk
        obj.refresh_from_db()
