"""Forms of the federation pages: filters, the review decision, reopening.

They clean what reviewers type; the moves themselves and their rules live in
``commitments.workflow``.
"""

from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from commitments.models import TEXT_MAX, Campaign, Status


class _Choices(BaseChoiceIterator):
    """The field's choices, read when the select is drawn (never at import)."""

    def __init__(self, field: "CampaignChoiceField") -> None:
        self.field = field

    def __iter__(self):
        return iter(self.field.loaded_choices())

    def __len__(self) -> int:
        return len(self.field.loaded_choices())


class CampaignChoiceField(forms.ModelChoiceField):
    """The campaigns, read once per form: the select and the validation share the rows.

    A plain ModelChoiceField reads them again to validate, and again each time
    the select is drawn (through a server-side cursor on PostgreSQL): three to
    five queries of a filter bar on every federation page, for a handful of rows.
    """

    def _set_queryset(self, queryset):
        self.__dict__.pop("_rows", None)
        super()._set_queryset(queryset)

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def rows(self) -> list[Campaign]:
        if "_rows" not in self.__dict__:
            self._rows = list(self.queryset)
        return self._rows

    def loaded_choices(self) -> list[tuple[str, str]]:
        empty = [] if self.empty_label is None else [("", self.empty_label)]
        return empty + [
            (getattr(row, self.to_field_name or "pk"), self.label_from_instance(row))
            for row in self.rows()
        ]

    def _get_choices(self):
        return _Choices(self)

    choices = property(_get_choices, forms.ChoiceField.choices.fset)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        key = self.to_field_name or "pk"
        for row in self.rows():
            if str(getattr(row, key)) == str(value):
                return row
        raise forms.ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class CampaignFilterForm(forms.Form):
    """Which campaign a federation page shows (GET, reflected in the URL)."""

    campagne = CampaignChoiceField(
        label=_("Campagne"),
        queryset=Campaign.objects.order_by("-opens_on", "-pk"),
        to_field_name="slug",
        required=False,
        empty_label=None,
        error_messages={"invalid_choice": _("Cette campagne n'existe pas.")},
    )


# Queue groups as they appear in the URL (?statut=…), in French.
NOT_STARTED = "non-commencee"
STATUS_SLUGS = {
    "soumise": Status.SUBMITTED,
    "modifications-demandees": Status.CHANGES_REQUESTED,
    "brouillon": Status.DRAFT,
    "validee": Status.VALIDATED,
}


class QueueFilterForm(CampaignFilterForm):
    statut = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[
            ("", _("Tous")),
            ("soumise", _("Soumises")),
            ("modifications-demandees", Status.CHANGES_REQUESTED.label),
            ("brouillon", _("Brouillons")),
            ("validee", _("Validées")),
            (NOT_STARTED, _("Non commencées")),
        ],
        error_messages={"invalid_choice": _("Ce statut n'existe pas.")},
    )
    q = forms.CharField(
        label=_("Coopérative"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Nom de la coopérative")}),
    )


class ReviewForm(forms.Form):
    """A reviewer's decision on a submitted selection, with remarks per engagement."""

    REQUEST_CHANGES = "modifications"
    VALIDATE = "valider"

    decision = forms.ChoiceField(
        choices=[(REQUEST_CHANGES, _("Demander des modifications")), (VALIDATE, _("Valider"))],
        error_messages={
            "required": _("Choisissez une décision."),
            "invalid_choice": _("Choisissez une décision."),
        },
    )
    message = forms.CharField(
        label=_("Message à la coopérative"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Obligatoire pour demander des modifications : dites ce qui doit changer. "
            "Facultatif pour une validation."
        ),
    )

    # The engagements sent back, ticked in each engagement's section. The page
    # posts ``renvoi_affiche`` with the boxes, so that ticking none is told
    # apart from a client that never showed them (then: those with a remark).
    SENT_BACK = "renvoyer"
    SENT_BACK_SHOWN = "renvoi_affiche"

    def __init__(self, *args, engagements, **kwargs):
        super().__init__(*args, **kwargs)
        self.engagements = list(engagements)
        self.fields[self.SENT_BACK] = forms.MultipleChoiceField(
            label=_("Engagements renvoyés à la coopérative"),
            required=False,
            choices=[
                (str(engagement.number), str(engagement.number)) for engagement in self.engagements
            ],
            error_messages={
                "invalid_choice": _("Cet engagement ne fait pas partie de la sélection.")
            },
        )
        self.fields[self.SENT_BACK_SHOWN] = forms.BooleanField(required=False)
        for engagement in self.engagements:
            self.fields[self.remark_name(engagement)] = forms.CharField(
                label=_("Remarque sur l'engagement %(number)s (facultative)")
                % {"number": engagement.number},
                required=False,
                max_length=TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    @staticmethod
    def remark_name(engagement):
        return f"remarque_{engagement.number}"

    def remark_field(self, engagement):
        return self[self.remark_name(engagement)]

    def remarks(self):
        """The remarks typed, by engagement (cleaned data only)."""
        return {
            engagement: self.cleaned_data[self.remark_name(engagement)]
            for engagement in self.engagements
            if self.cleaned_data.get(self.remark_name(engagement))
        }

    def _sent_back_numbers(self):
        # Default: the engagements with a remark, when none is ticked.
        numbers = set(self.cleaned_data.get(self.SENT_BACK) or [])
        return numbers or {str(engagement.number) for engagement in self.remarks()}

    def sent_back(self):
        """The engagements sent back (cleaned data only); None means all of them."""
        numbers = self._sent_back_numbers()
        if not numbers:
            # A client that never showed the boxes sends the whole selection back.
            return None
        return [engagement for engagement in self.engagements if str(engagement.number) in numbers]

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if (
            decision == self.REQUEST_CHANGES
            and cleaned.get(self.SENT_BACK_SHOWN)
            and self.engagements
            and not self._sent_back_numbers()
        ):
            self.add_error(
                self.SENT_BACK,
                _(
                    "Cochez au moins un engagement à renvoyer à la coopérative, "
                    "ou écrivez une remarque sur l'un d'eux."
                ),
            )
        if decision == self.REQUEST_CHANGES and not cleaned.get("message"):
            self.add_error(
                "message",
                _(
                    "Expliquez à la coopérative ce qu'elle doit modifier : "
                    "ce message est obligatoire."
                ),
            )
        if decision == self.VALIDATE and self.remarks():
            # A validation carries no remark: typed remarks would be lost silently.
            raise forms.ValidationError(
                _(
                    "Des remarques par engagement sont saisies : elles accompagnent une demande "
                    "de modifications. Videz-les pour valider, ou demandez des modifications."
                )
            )
        return cleaned


class ReopenForm(forms.Form):
    message = forms.CharField(
        label=_("Motif de la réouverture"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Facultatif : il apparaît dans l'historique de la sélection."),
    )


class ReviewDraftForm(ReviewForm):
    """The same fields, saved as they are: no decision is checked, nothing is sent."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].required = False

    def clean(self):
        return forms.Form.clean(self)


class InternalNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Nouvelle note interne"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Visible des seuls relecteurs de la fédération, jamais de la coopérative."),
        error_messages={"required": _("Écrivez la note avant de l'enregistrer.")},
    )


class DeclineReopeningForm(forms.Form):
    reason = forms.CharField(
        label=_("Raison du refus"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Obligatoire : elle est envoyée à la coopérative."),
        error_messages={
            "required": _("Expliquez à la coopérative pourquoi la demande est refusée.")
        },
    )


class AcceptReopeningForm(forms.Form):
    message = forms.CharField(
        label=_("Message à la coopérative"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Facultatif : sans message, celui de la demande est repris dans l'historique."),
    )
