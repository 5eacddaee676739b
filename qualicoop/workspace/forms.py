"""Forms of the cooperative workspace: they clean input, the services decide.

No business rule lives here: whether a selection may change is
``commitments.editing``'s and ``commitments.workflow``'s business.
"""

import uuid
from decimal import Decimal
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from commitments import indicators, ownership, progress
from commitments.editing import DOWN, UP
from commitments.models import (
    STATUSES_WITH_REASON,
    TEXT_MAX,
    TITLE_MAX,
    UPDATE_TEXT_MAX,
    VALUE_DIGITS,
    VALUE_PLACES,
    CatalogueIndicator,
    Engagement,
    Project,
    ProjectStatus,
)
from coops.people import display_name


class EngagementNumbersField(forms.ModelMultipleChoiceField):
    """Engagements sent by number, a number no database integer holds refused as unknown.

    Django compares the numbers sent with ``number__in``, which SQLite cannot
    even run with an integer beyond 64 bits (an error, not an empty result).
    """

    def clean(self, value):
        for item in value if isinstance(value, list | tuple) else ():
            try:
                number = int(item)
            except (TypeError, ValueError):
                continue  # Not a number: Django's own check reports it.
            if not -(2**63) <= number < 2**63:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super().clean(value)


class EngagementsForm(forms.Form):
    """The engagements ticked on the choice page, narrowed to the 12 of the federation.

    Engagements are sent by number; anything else (a 13th, a word) is a form
    error, not a crash.
    """

    engagements = EngagementNumbersField(
        label=_("Engagements choisis"),
        queryset=Engagement.objects.select_related("pillar"),
        to_field_name="number",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("« %(value)s » n'est pas l'un des 12 engagements."),
            "invalid_pk_value": _("« %(pk)s » n'est pas un numéro d'engagement."),
            "invalid_list": _("Choisissez des engagements dans la liste."),
        },
    )
    # Set by the confirmation page: the user saw which projects will be deleted,
    # and ``lost`` lists them, so that a project added meanwhile is not deleted unseen.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    lost = forms.CharField(required=False, widget=forms.HiddenInput)

    def ticked_numbers(self):
        """The numbers to show ticked: what was sent, or the initial choice."""
        if self.is_bound:
            values = self.data.getlist(self.add_prefix("engagements"))
        else:
            values = self.initial.get("engagements", [])
        return {str(value) for value in values}


class OwnersForm(forms.Form):
    """Who carries a project: the cooperative's members only (``commitments.ownership``).

    Part of the project's form while the selection is a draft; alone, once it is
    submitted or validated (``ownership.reassign``).
    """

    OWNER_FIELDS = ("owner", "co_owner")
    owner = forms.ChoiceField(
        label=_("Porteur du projet"),
        required=False,
        help_text=_(
            "Facultatif. Le membre de l'équipe qui porte le projet : les rappels le concernant "
            "lui sont adressés en premier."
        ),
        error_messages={"invalid_choice": _("Choisissez un membre de l'équipe de la coopérative.")},
    )
    co_owner = forms.ChoiceField(
        label=_("Co-porteur"),
        required=False,
        help_text=_("Facultatif. Un second membre de l'équipe qui porte le projet avec lui."),
        error_messages={"invalid_choice": _("Choisissez un membre de l'équipe de la coopérative.")},
    )

    def offer_owners(self, cooperative, project, *, may_set_owners):
        """The two lists: the cooperative's members, and the project's owners as they are."""
        # The members read once for both lists (a model choice field reads them
        # at each rendering), and kept to hand the people chosen to the service.
        self.people = {str(person.pk): person for person in ownership.members(cooperative)}
        # An owner who has left the team stays shown as the project's, until changed.
        for person in (project.owner, project.co_owner):
            if person is not None:
                self.people.setdefault(str(person.pk), person)
        choices = [(pk, display_name(person)) for pk, person in self.people.items()]
        empty = {"owner": _("Personne pour l'instant"), "co_owner": _("Aucun")}
        for name in self.OWNER_FIELDS:
            field = cast(forms.ChoiceField, self.fields[name])
            field.choices = [("", empty[name]), *choices]
            # Whoever may not name the owners sees them; what they post is ignored.
            field.disabled = not may_set_owners
            if project.pk is not None:
                self.initial.setdefault(name, str(getattr(project, f"{name}_id") or ""))

    def owners(self) -> ownership.Owners:
        return ownership.Owners(
            self.people.get(self.cleaned_data["owner"]),
            self.people.get(self.cleaned_data["co_owner"]),
        )


class ProjectOwnersForm(OwnersForm):
    """Only the owners of a project of a submitted or validated selection."""

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_owners(project.choice.selection.cooperative, project, may_set_owners=True)


class ProjectForm(OwnersForm, forms.ModelForm):
    """A project as staff describe it, and who carries it."""

    class Meta:
        model = Project
        fields = Project.EDITABLE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6, "maxlength": TEXT_MAX}),
            "objectives": forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX}),
            "indicators": forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX}),
            "target_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "progress": forms.RadioSelect,
        }
        # Title and description are required to save the project at all, not only
        # to submit: said first, as the other fields say "Facultatif".
        help_texts = {
            "title": _(
                "Obligatoire. Un intitulé court, tel qu'il apparaîtra sur la page publique."
            ),
            "description": _(
                "Obligatoire. Ce que la coopérative fait concrètement, pour qui, avec qui."
            ),
            "objectives": _("Facultatif. Les résultats attendus."),
            "indicators": _(
                "Facultatif. Comment la coopérative suit l'avancement, en quelques mots ; "
                "les valeurs mesurées vont dans les indicateurs chiffrés."
            ),
            "target_date": _("Facultatif. Date à laquelle le projet devrait être réalisé."),
        }
        error_messages = {
            "title": {"required": _("Donnez un titre au projet.")},
            "description": {"required": _("Décrivez le projet.")},
            "target_date": {"invalid": _("Saisissez une date valide, par exemple 31/12/2025.")},
        }

    def __init__(self, *args, cooperative, may_set_owners, **kwargs):
        super().__init__(*args, **kwargs)
        # Accept the date as browsers send it and as people type it in French.
        self.fields["target_date"].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        self.offer_owners(cooperative, self.instance, may_set_owners=may_set_owners)


class ProjectCreateForm(ProjectForm):
    """A new project, with the key that makes a repeated post create it once.

    The key is drawn when the empty form is shown and travels back with it; a
    post without one (an old page) creates the project as before.
    """

    creation_key = forms.UUIDField(required=False, widget=forms.HiddenInput, initial=uuid.uuid4)


class ProjectEditForm(ProjectForm):
    """Editing an existing project carries the version it was loaded with.

    ``commitments.editing.update_project`` saves only if that version is still
    the current one, so two people editing at once cannot overwrite each other.
    """

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("version", self.instance.version)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[(UP, _("Monter")), (DOWN, _("Descendre"))])


class StartForm(forms.Form):
    """Start the campaign's selection, from a blank page or from the last validated one."""

    resume = forms.BooleanField(required=False)


def _message_for_federation(help_text: StrOrPromise) -> forms.CharField:
    """The optional message a référent's move carries to the federation."""
    return forms.CharField(
        label=_("Message pour la fédération"),
        help_text=help_text,
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SubmitForm(forms.Form):
    message = _message_for_federation(
        _("Facultatif. Par exemple ce qui a changé depuis la dernière soumission.")
    )


class WithdrawForm(forms.Form):
    message = _message_for_federation(
        _("Facultatif. Par exemple ce que vous voulez encore compléter.")
    )


class ReopeningRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Ce que vous souhaitez faire évoluer"),
        help_text=_("Obligatoire : la fédération lit ce message pour décider."),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Dites à la fédération ce que vous souhaitez faire évoluer.")
        },
    )


class FrenchDecimalField(forms.DecimalField):
    """A number as people write it in French: "1 250,5" as well as "1250.5".

    Spaces (ordinary or non-breaking) group thousands and the comma is the
    decimal separator; anything else is refused next to the field.
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    default_error_messages = {
        "invalid": _("Saisissez un nombre, par exemple 1 250,5."),
        "max_digits": _("Ce nombre est trop grand : 10 chiffres au plus avant la virgule."),
        "max_decimal_places": _("Deux chiffres au plus après la virgule."),
        "max_whole_digits": _("Ce nombre est trop grand : 10 chiffres au plus avant la virgule."),
    }

    def to_python(self, value):
        if isinstance(value, str):
            value = "".join(value.split()).replace("\u202f", "").replace(",", ".")
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return indicators.number(value)
        return value


_DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
_DATE_INVALID = _("Saisissez une date valide, par exemple 31/12/2027.")


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=_DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _DATE_INVALID},
    )


class IndicatorForm(forms.Form):
    """An indicator of a project: what is counted, from where, to where.

    The engagement's catalogue indicators come first: one of them gives the
    unit (whatever was typed) and its values add up across the network.
    """

    catalogue = forms.ModelChoiceField(
        label=_("Indicateur commun de la fédération"),
        queryset=CatalogueIndicator.objects.none(),
        required=False,
        empty_label=_("Indicateur libre"),
        help_text=_(
            "Facultatif. Un indicateur du catalogue de la fédération impose son unité et sa "
            "définition, et ses valeurs publiées comptent dans les chiffres du réseau."
        ),
    )
    name = forms.CharField(
        label=_("Indicateur"),
        max_length=TITLE_MAX,
        required=False,
        help_text=_(
            "Obligatoire pour un indicateur libre. Ce qui est compté, par exemple "
            "« Logements livrés »."
        ),
    )
    unit = forms.CharField(
        label=_("Unité"),
        max_length=50,
        required=False,
        help_text=_(
            "Facultatif. Par exemple « logements », « € », « % ». "
            "Celle du catalogue pour un indicateur commun."
        ),
    )
    baseline_value = FrenchDecimalField(
        label=_("Valeur de départ"),
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_PLACES,
        required=False,
        help_text=_("Facultatif. Où en était la coopérative au départ."),
    )
    baseline_date = _date_field(_("Date de la valeur de départ"))
    target_value = FrenchDecimalField(
        label=_("Cible"),
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_PLACES,
        help_text=_("Obligatoire. La valeur à atteindre."),
        error_messages={"required": _("Donnez la valeur à atteindre.")},
    )
    target_date = _date_field(_("Échéance de la cible"))

    def __init__(self, *args, engagement: Engagement | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if engagement is not None:
            self.fields["catalogue"].queryset = engagement.catalogue_indicators.all()  # type: ignore[attr-defined]

    def clean(self):
        cleaned = super().clean()
        catalogue = cleaned.get("catalogue")
        if catalogue is not None:
            cleaned["unit"] = catalogue.unit
            cleaned["name"] = cleaned.get("name") or catalogue.label
        elif not cleaned.get("name") and "name" not in self.errors:
            self.add_error("name", _("Nommez l'indicateur."))
        start, end = cleaned.get("baseline_date"), cleaned.get("target_date")
        if start and end and end < start:
            self.add_error(
                "target_date", _("L'échéance de la cible vient après la date de départ.")
            )
        return cleaned


class MeasurementForm(forms.Form):
    """A measured value of an indicator, dated, with where it comes from."""

    value = FrenchDecimalField(
        label=_("Valeur mesurée"),
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_PLACES,
        help_text=_("Obligatoire. Par exemple 1 250,5."),
        error_messages={"required": _("Saisissez la valeur mesurée.")},
    )
    measured_on = forms.DateField(
        label=_("Date de la mesure"),
        input_formats=_DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Obligatoire."),
        error_messages={"required": _("Datez la mesure."), "invalid": _DATE_INVALID},
    )
    comment = forms.CharField(
        label=_("Commentaire ou source"),
        max_length=500,
        required=False,
        help_text=_("Facultatif. D'où vient le chiffre (bilan annuel, enquête…)."),
    )

    def clean_measured_on(self):
        measured_on = self.cleaned_data["measured_on"]
        if measured_on > timezone.localdate():
            raise forms.ValidationError(_("Une mesure ne peut pas être datée dans le futur."))
        return measured_on


class ProgressUpdateForm(forms.Form):
    """A progress update on a validated project, with a new value for any of its indicators.

    The values are dated by the update itself: one date for what the
    cooperative reports at that point. Fields named ``value_<id>`` and
    ``comment_<id>`` are added for each of the project's indicators.
    """

    status = forms.ChoiceField(
        label=_("Où en est le projet ?"),
        choices=ProjectStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Dites où en est le projet.")},
    )
    reason = forms.CharField(
        label=_("Raison"),
        max_length=UPDATE_TEXT_MAX,
        required=False,
        help_text=_("Obligatoire si le projet est reporté ou abandonné."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    text = forms.CharField(
        label=_("Ce qui s'est passé"),
        max_length=UPDATE_TEXT_MAX,
        help_text=_("Obligatoire. Quelques phrases : ce qui a été fait, ce qui reste à faire."),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Décrivez en quelques phrases où en est le projet.")},
    )
    happened_on = forms.DateField(
        label=_("Date du point d'étape"),
        input_formats=_DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Obligatoire. Les valeurs saisies ci-dessous sont datées de ce jour."),
        error_messages={"required": _("Datez le point d'étape."), "invalid": _DATE_INVALID},
    )

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for indicator in self.indicators:
            self.fields[f"value_{indicator.pk}"] = FrenchDecimalField(
                label=indicator.name,
                max_digits=VALUE_DIGITS,
                decimal_places=VALUE_PLACES,
                required=False,
                help_text=_("Facultatif. Nouvelle valeur mesurée, par exemple 1 250,5."),
            )
            self.fields[f"comment_{indicator.pk}"] = forms.CharField(
                label=_("Source de la valeur « %(name)s »") % {"name": indicator.name},
                max_length=500,
                required=False,
                help_text=_("Facultatif. D'où vient le chiffre (bilan annuel, enquête…)."),
            )

    def indicator_rows(self):
        """Each indicator with its two bound fields, for the template."""
        return [
            (indicator, self[f"value_{indicator.pk}"], self[f"comment_{indicator.pk}"])
            for indicator in self.indicators
        ]

    def clean_happened_on(self):
        happened_on = self.cleaned_data["happened_on"]
        if happened_on > timezone.localdate():
            raise forms.ValidationError(_("Un point d'étape ne peut pas être daté dans le futur."))
        return happened_on

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") in STATUSES_WITH_REASON and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Indiquez pourquoi le projet est reporté ou abandonné."))
        for indicator in self.indicators:
            comment = cleaned.get(f"comment_{indicator.pk}")
            if comment and cleaned.get(f"value_{indicator.pk}") is None:
                self.add_error(
                    f"value_{indicator.pk}", _("Donnez la valeur dont vous indiquez la source.")
                )
        return cleaned

    def update_data(self):
        return {
            name: self.cleaned_data[name] for name in ("status", "reason", "text", "happened_on")
        }

    def values(self):
        """The measured values given, for ``commitments.progress``."""
        return [
            progress.Value(
                indicator=indicator,
                value=self.cleaned_data[f"value_{indicator.pk}"],
                measured_on=self.cleaned_data["happened_on"],
                comment=self.cleaned_data[f"comment_{indicator.pk}"],
            )
            for indicator in self.indicators
            if self.cleaned_data.get(f"value_{indicator.pk}") is not None
        ]

    @classmethod
    def initial_for(cls, update):
        """The form's initial data for an existing update, its values included."""
        initial = {
            name: getattr(update, name) for name in ("status", "reason", "text", "happened_on")
        }
        for measurement in update.measurements.all():
            initial[f"value_{measurement.indicator_id}"] = measurement.value
            initial[f"comment_{measurement.indicator_id}"] = measurement.comment
        return initial
