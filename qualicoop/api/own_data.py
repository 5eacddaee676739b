"""A cooperative's own figures, for its API keys: read its current selection, write values.

Read (scope "lire"): the selection its staff work on — draft, under review or
published — with its engagements, projects, indicators and measured values.
Write (scope "écrire les valeurs"): a measured value on an indicator of that
selection, or a progress update on a project of its validated selection. A
write is validated by the workspace's own form and made by the same domain
service (``commitments.editing``, ``commitments.progress``): same rules, same
rows, same history, in the name of the key's creator (``keys.key_view``).
"""

import json

from django.db.models import Prefetch
from django.http import QueryDict
from django.utils.translation import gettext as _

from commitments import editing, progress, workflow
from commitments.models import Campaign, Indicator, Measurement, Project, Selection
from qualicoop.workspace.forms import MeasurementForm, ProgressUpdateForm

from .keys import READ, WRITE, key_view
from .views import ApiError


def _working_selection(key) -> Selection:
    campaign = Campaign.objects.current()
    selection = (
        None if campaign is None else Selection.objects.working_of(key.cooperative, campaign)
    )
    if campaign is None or selection is None:
        raise ApiError(404, _("La coopérative n'a pas de sélection dans la campagne en cours."))
    selection.campaign = campaign
    return selection


def _number(value):
    return None if value is None else str(value)


def _measurement_record(measurement: Measurement) -> dict:
    return {
        "id": measurement.pk,
        "valeur": _number(measurement.value),
        "date": measurement.measured_on.isoformat(),
        "commentaire": measurement.comment,
        "point_d_etape": measurement.update_id,
    }


def _indicator_record(indicator: Indicator) -> dict:
    return {
        "id": indicator.pk,
        "nom": indicator.name,
        "unite": indicator.unit,
        "valeur_depart": _number(indicator.baseline_value),
        "date_depart": indicator.baseline_date and indicator.baseline_date.isoformat(),
        "cible": _number(indicator.target_value),
        "date_cible": indicator.target_date and indicator.target_date.isoformat(),
        "mesures": [_measurement_record(m) for m in indicator.measurements.all()],
    }


@key_view(scope=READ)
def selection(request, key):
    """Keys with "lire": the current selection, drafts included, in a fixed number of queries."""
    found = _working_selection(key)
    # One prefetch each: the three querysets are of three models.
    choices = (
        found.choices.select_related("engagement")
        .order_by("engagement__number")
        .prefetch_related(Prefetch("projects", Project.objects.order_by("position", "pk")))
        .prefetch_related(
            Prefetch("projects__indicator_set", Indicator.objects.order_by("position", "pk"))
        )
        .prefetch_related(
            Prefetch(
                "projects__indicator_set__measurements",
                Measurement.objects.order_by("measured_on", "pk"),
            )
        )
    )
    return {
        "cooperative": key.cooperative.slug,
        "campagne": found.campaign.name,
        "revision": found.revision,
        "statut": found.status,
        "statut_libelle": found.get_status_display(),
        "engagements": [
            {
                "numero": choice.engagement.number,
                "titre": choice.engagement.title,
                "projets": [
                    {
                        "id": project.pk,
                        "titre": project.title,
                        "description": project.description,
                        "echeance": project.target_date and project.target_date.isoformat(),
                        "indicateurs": [_indicator_record(i) for i in project.indicator_set.all()],
                    }
                    for project in choice.projects.all()
                ],
            }
            for choice in choices
        ],
    }, 200


def _posted(request) -> QueryDict:
    """The JSON body as the form's data (numbers as text, which the form reads)."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, _("Le corps de la requête doit être un objet JSON."))
    data = QueryDict(mutable=True)
    for name, value in body.items():
        if isinstance(value, bool):
            value = "1" if value else ""
        data[name] = "" if value is None else str(value)
    return data


def _invalid(form) -> ApiError:
    errors = {
        name: [str(message) for message in messages] for name, messages in form.errors.items()
    }
    return ApiError(400, _("Les données envoyées ne sont pas valides."), errors=errors)


def _refused(error: workflow.WorkflowError) -> ApiError:
    return ApiError(409, str(error))


@key_view(scope=WRITE, methods=("POST",))
def measurement_create(request, key, pk):
    """Keys with "écrire les valeurs": a measured value of an indicator, while editable."""
    indicator = (
        Indicator.objects.select_related("project__choice")
        .filter(pk=pk, project__choice__selection=_working_selection(key))
        .first()
    )
    if indicator is None:
        raise ApiError(
            404, _("Aucun indicateur de la sélection en cours ne porte cet identifiant.")
        )
    form = MeasurementForm(_posted(request))
    if not form.is_valid():
        raise _invalid(form)
    try:
        measurement = editing.add_measurement(indicator, form.cleaned_data)
    except workflow.WorkflowError as error:
        raise _refused(error) from error
    return _measurement_record(measurement), 201


@key_view(scope=WRITE, methods=("POST",))
def update_create(request, key, pk):
    """Keys with "écrire les valeurs": a progress update on a validated project.

    A draft, unless ``send`` is true: then sent to the federation, as the form's
    second button does (published at once only where the campaign says so).
    """
    project = (
        progress.followed_projects(key.cooperative)
        .select_related("choice__selection__cooperative", "choice__selection__campaign")
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise ApiError(404, _("Aucun projet validé de la coopérative ne porte cet identifiant."))
    data = _posted(request)
    form = ProgressUpdateForm(data, indicators=list(project.indicator_set.all()))
    if not form.is_valid():
        raise _invalid(form)
    try:
        update = progress.create_update(
            project=project,
            data=form.update_data(),
            values=form.values(),
            by=key.created_by,
            submit=bool(data.get("send")),
        )
    except workflow.WorkflowError as error:
        raise _refused(error) from error
    return {
        "id": update.pk,
        "projet": project.pk,
        "etat": update.state,
        "etat_libelle": update.get_state_display(),
        "valeurs": [_measurement_record(m) for m in update.measurements.all()],
    }, 201
