"""Help texts say what the form requires: "Obligatoire" on a required field, else "Facultatif".

A help text that begins with "Obligatoire" is on a required field, one that
begins with "Facultatif" on a field that may stay empty. "Obligatoire si …" and
"Obligatoire pour …" mark a field the form requires only in a case it checks
itself: each such field has a case below, where leaving it empty is refused.
A form whose fields say "Obligatoire" or "Facultatif" says it on every field
that has a help text, so that a silent one is not read as either.
"""

import datetime

import pytest
from django.apps import apps
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.models import User
from django.http import QueryDict
from django.utils import timezone, translation

from commitments.models import (
    CatalogueIndicator,
    Engagement,
    Indicator,
    Pillar,
    Project,
    ProjectStatus,
)
from coops.admin import InvitationForm, MembershipForm
from coops.models import Cooperative
from qualicoop.accounts.forms import EmailChangeForm, LoginForm, NameForm
from qualicoop.accounts.invitations import AccountForm
from qualicoop.accounts.password_reset import PasswordResetForm
from qualicoop.accounts.second_factor import CodeForm
from qualicoop.documents.views import SynthesisRequestForm
from qualicoop.federation import importing as federation_importing
from qualicoop.federation.forms import (
    AcceptReopeningForm,
    CampaignFilterForm,
    DeclineReopeningForm,
    InternalNoteForm,
    QueueFilterForm,
    ReopenForm,
    ReviewDraftForm,
    ReviewForm,
)
from qualicoop.federation.progress import QuietForm, UpdateDecisionForm
from qualicoop.public.project_filters import ProjectFilterForm
from qualicoop.workspace import spreadsheet as workspace_spreadsheet
from qualicoop.workspace.carry import CarryForm, DropForm
from qualicoop.workspace.forms import (
    EngagementsForm,
    IndicatorForm,
    MeasurementForm,
    MoveForm,
    ProgressUpdateForm,
    ProjectCreateForm,
    ProjectEditForm,
    ReopeningRequestForm,
    StartForm,
    SubmitForm,
    WithdrawForm,
)
from qualicoop.workspace.team import InviteForm, RoleForm

pytestmark = pytest.mark.django_db

REQUIRED = "Obligatoire"
OPTIONAL = "Facultatif"
CONDITIONAL = ("Obligatoire si ", "Obligatoire pour ")


def _indicator():
    return Indicator(pk=7, name="Logements livrés")


def _engagement():
    return Engagement(number=3, title="Gouvernance partagée")


# Every form a person fills in, built as its view builds it (unbound).
FORMS = {
    # The cooperative's workspace.
    "EngagementsForm": EngagementsForm,
    "ProjectCreateForm": lambda: ProjectCreateForm(
        cooperative=Cooperative(pk=1), may_set_owners=True
    ),
    "ProjectEditForm": lambda: ProjectEditForm(
        instance=Project(version=1), cooperative=Cooperative(pk=1), may_set_owners=True
    ),
    "MoveForm": MoveForm,
    "StartForm": StartForm,
    "SubmitForm": SubmitForm,
    "IndicatorForm": IndicatorForm,
    "MeasurementForm": MeasurementForm,
    "ProgressUpdateForm": lambda: ProgressUpdateForm(indicators=[_indicator()]),
    "WithdrawForm": WithdrawForm,
    "ReopeningRequestForm": ReopeningRequestForm,
    "workspace UploadForm": workspace_spreadsheet.UploadForm,
    "InviteForm": InviteForm,
    "RoleForm": RoleForm,
    "CarryForm": CarryForm,
    "DropForm": DropForm,
    # The federation's pages.
    "CampaignFilterForm": CampaignFilterForm,
    "QueueFilterForm": QueueFilterForm,
    "ReviewForm": lambda: ReviewForm(engagements=[_engagement()]),
    "ReviewDraftForm": lambda: ReviewDraftForm(engagements=[_engagement()]),
    "ReopenForm": ReopenForm,
    "InternalNoteForm": InternalNoteForm,
    "DeclineReopeningForm": DeclineReopeningForm,
    "AcceptReopeningForm": AcceptReopeningForm,
    "UpdateDecisionForm": UpdateDecisionForm,
    "QuietForm": QuietForm,
    "federation UploadForm": federation_importing.UploadForm,
    "SynthesisRequestForm": SynthesisRequestForm,
    # Accounts.
    "LoginForm": LoginForm,
    "NameForm": lambda: NameForm(instance=User()),
    "EmailChangeForm": lambda: EmailChangeForm(user=User(email="alice@example.org")),
    "AccountForm": lambda: AccountForm(email="alice@example.org"),
    "CodeForm": CodeForm,
    "PasswordResetForm": PasswordResetForm,
    "PasswordChangeForm": lambda: PasswordChangeForm(user=User()),
    "SetPasswordForm": lambda: SetPasswordForm(user=User()),
    # The public pages.
    "ProjectFilterForm": lambda: ProjectFilterForm(QueryDict()),
    # The administration.
    "MembershipForm": MembershipForm,
    "InvitationForm": InvitationForm,
}


def _text(value):
    # The rule is read in the language the texts are written in.
    with translation.override("fr"):
        return str(value or "")


def _mismatches(where, fields):
    """What contradicts the rule, each named ``where.field``.

    ``fields`` maps a name to (help text, label, required, hidden).
    """
    problems = []
    marked = any(text.startswith((REQUIRED, OPTIONAL)) for text, *_ in fields.values())
    for name, (text, label, required, hidden) in fields.items():
        field = f"{where}.{name}"
        if text.startswith(CONDITIONAL):
            if required:
                problems.append(
                    f"{field} : « {text} » annonce un cas, mais le champ est toujours exigé."
                )
        elif text.startswith(REQUIRED):
            if not required:
                problems.append(f"{field} : « {text} », mais le champ n'est pas exigé.")
        elif text.startswith(OPTIONAL):
            if required:
                problems.append(f"{field} : « {text} », mais le champ est exigé.")
        elif "obligatoire" in text.lower() or "facultati" in text.lower():
            problems.append(f"{field} : « {text} » doit commencer par ce qu'il annonce.")
        elif text and marked and not hidden:
            problems.append(
                f"{field} : « {text} » ne dit ni « Obligatoire » ni « Facultatif », "
                "comme le disent les autres champs du formulaire."
            )
        if "facultati" in label.lower() and required:
            problems.append(f"{field} : le libellé « {label} » dit facultatif, le champ est exigé.")
    return problems


def _form_fields(form):
    return {
        name: (
            _text(field.help_text),
            _text(field.label),
            field.required,
            field.widget.is_hidden,
        )
        for name, field in form.fields.items()
    }


@pytest.mark.parametrize("name", FORMS)
def test_the_help_texts_say_what_the_form_requires(name):
    form = FORMS[name]()

    problems = _mismatches(name, _form_fields(form))

    assert not problems, "\n".join(problems)


MODELS = [
    model
    for label in ("commitments", "coops")
    for model in apps.get_app_config(label).get_models()
    if not model.__name__.startswith("Historical")
]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_the_help_texts_of_the_models_say_what_their_forms_require(model):
    # A ModelForm (the admin's) requires a field the model does not allow blank.
    fields = {
        field.name: (_text(field.help_text), _text(field.verbose_name), not field.blank, False)
        for field in model._meta.get_fields()
        if getattr(field, "editable", False) and not field.auto_created
    }

    problems = _mismatches(model.__name__, fields)

    assert not problems, "\n".join(problems)


def test_the_rule_catches_a_contradicting_help_text():
    problems = _mismatches(
        "Formulaire",
        {
            "a": ("Facultatif. Une note.", "A", True, False),
            "b": ("Obligatoire.", "B", False, False),
            "c": ("Obligatoire si besoin.", "C", True, False),
            "d": ("Une précision.", "D", True, False),
            "e": ("Une précision. Obligatoire pour envoyer.", "E", True, False),
        },
    )

    assert [problem.split(" : ")[0] for problem in problems] == [
        "Formulaire.a",
        "Formulaire.b",
        "Formulaire.c",
        "Formulaire.d",
        "Formulaire.e",
    ]


# --- "Obligatoire si …" and "Obligatoire pour …": the form checks the case ---------

TODAY = timezone.localdate()
UPDATE = {"text": "Les travaux ont pris du retard.", "happened_on": TODAY.isoformat()}

# (form, field): how to build it bound to data, the data that meets the case with
# the field empty, the same with the field filled, and data outside the case.
CONDITIONAL_CASES = {
    ("ProgressUpdateForm", "reason"): (
        lambda data: ProgressUpdateForm(data, indicators=[]),
        {**UPDATE, "status": ProjectStatus.POSTPONED, "reason": ""},
        {**UPDATE, "status": ProjectStatus.POSTPONED, "reason": "Le permis tarde."},
        {**UPDATE, "status": ProjectStatus.IN_PROGRESS, "reason": ""},
    ),
    ("ReviewForm", "message"): (
        lambda data: ReviewForm(data, engagements=[]),
        {"decision": ReviewForm.REQUEST_CHANGES, "message": "  "},
        {"decision": ReviewForm.REQUEST_CHANGES, "message": "Chiffrez les objectifs."},
        {"decision": ReviewForm.VALIDATE, "message": ""},
    ),
    ("UpdateDecisionForm", "remark"): (
        UpdateDecisionForm,
        {UpdateDecisionForm.SEND_BACK: "", "remark": " "},
        {UpdateDecisionForm.SEND_BACK: "", "remark": "Datez la mesure."},
        {"publish": "", "remark": ""},
    ),
}


def _indicator_form(data):
    """The form of an engagement with one catalogue indicator (pk 1), as the view builds it."""
    pillar, _ = Pillar.objects.get_or_create(number=1, defaults={"name": "P", "tagline": "T"})
    engagement, _ = Engagement.objects.get_or_create(
        number=1, defaults={"pillar": pillar, "title": "E", "description": "D"}
    )
    common, _ = CatalogueIndicator.objects.get_or_create(
        pk=1, defaults={"code": "accession", "label": "Logements", "unit": "logements"}
    )
    common.engagements.add(engagement)
    return IndicatorForm(data, engagement=engagement)


CONDITIONAL_CASES[("IndicatorForm", "name")] = (
    _indicator_form,
    {"name": "", "target_value": "12"},
    {"name": "Logements livrés", "target_value": "12"},
    {"name": "", "target_value": "12", "catalogue": "1"},
)

GUEST = {"email": "remi@example.org", "role": "guest"}
CONDITIONAL_CASES[("InviteForm", "guest_until")] = (
    InviteForm,
    {**GUEST, "guest_until": ""},
    {**GUEST, "guest_until": (TODAY + datetime.timedelta(days=30)).isoformat()},
    {**GUEST, "role": "contributor", "guest_until": ""},
)

# A draft of the review is saved as typed and sends nothing: the message is
# required when the decision is sent, by ReviewForm above.
CHECKED_ELSEWHERE = {("ReviewDraftForm", "message")}


def test_every_conditional_help_text_has_its_case():
    conditional = {
        (name, field)
        for name, build in FORMS.items()
        for field, (text, *_) in _form_fields(build()).items()
        if text.startswith(CONDITIONAL)
    }

    assert conditional - CHECKED_ELSEWHERE == set(CONDITIONAL_CASES)


@pytest.mark.parametrize("case", CONDITIONAL_CASES, ids="{0[0]}.{0[1]}".format)
def test_a_conditional_field_is_refused_empty_in_its_case(case):
    _, field = case
    build, empty, filled, outside = CONDITIONAL_CASES[case]

    assert field in build(empty).errors, f"{case[0]}.{field} vide est accepté dans son cas."
    assert field not in build(filled).errors
    assert field not in build(outside).errors, f"{case[0]}.{field} est exigé hors de son cas."
