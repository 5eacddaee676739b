"""Everything the portal keeps about one person, as one JSON document (RGPD: right of access).

The account, the cooperatives and roles held, the status moves made and the
remarks given with them, the edits of projects and of chosen engagements,
the progress updates written, the notifications received and how each kind
reaches the person (their choices, else their role's defaults), the sign-ins and
failed sign-ins recorded, and the inactivity notice if one was sent. Moves
and edits can run into thousands: the document is written as it is read, a
few hundred rows at a time, never held whole in memory.
"""

import json
from collections.abc import Iterable, Iterator
from typing import Any

from axes.models import AccessAttempt, AccessLog
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models import Choice, Notification, ProgressUpdate, Project, Transition
from coops.models import Membership

from .delivery import choices_of
from .models import AccountNotice

CHUNK = 500
HISTORY_TYPES = {"+": _("création"), "~": _("modification"), "-": _("suppression")}


def file_name(user: User) -> str:
    return f"qualicoop-mes-donnees-{user.pk}-{timezone.localdate():%Y-%m-%d}.json"


def document(user: User) -> Iterator[str]:
    """The JSON document, in pieces."""
    sections: list[tuple[str, Any]] = [
        ("export", {"portail": "Quali'Coop", "date": timezone.now()}),
        ("compte", _account(user)),
        ("cooperatives", _memberships(user)),
        ("avertissement_inactivite", _notice(user)),
        ("changements_de_statut", _transitions(user)),
        ("modifications_de_projets", _project_edits(user)),
        ("modifications_d_engagements", _choice_edits(user)),
        ("points_d_etape_rediges", _progress_updates(user)),
        ("notifications", _notifications(user)),
        ("reglages_des_notifications", choices_of([user.pk])[user.pk]),
        ("connexions", _sign_ins(user)),
        ("echecs_de_connexion", _failed_sign_ins(user)),
    ]
    yield "{"
    for index, (key, value) in enumerate(sections):
        yield f"{',' if index else ''}\n  {_dumps(key)}: "
        if isinstance(value, Iterator):
            yield from _array(value)
        else:
            yield _dumps(value)
    yield "\n}\n"


def _dumps(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def _array(items: Iterable[Any]) -> Iterator[str]:
    yield "["
    empty = True
    for item in items:
        yield f"{'' if empty else ','}\n    {_dumps(item)}"
        empty = False
    yield "]" if empty else "\n  ]"


def _account(user: User) -> dict[str, Any]:
    return {
        "identifiant": user.username,
        "prenom": user.first_name,
        "nom": user.last_name,
        "adresse_electronique": user.email,
        "inscrit_le": user.date_joined,
        "derniere_connexion": user.last_login,
        "actif": user.is_active,
        "administrateur": user.is_superuser,
        "groupes": sorted(user.groups.values_list("name", flat=True)),
    }


def _memberships(user: User) -> Iterator[dict[str, Any]]:
    memberships = Membership.objects.filter(user=user).select_related("cooperative")
    for membership in memberships.order_by("cooperative__name"):
        yield {
            "cooperative": membership.cooperative.name,
            "role": membership.get_role_display(),
        }


def _notice(user: User) -> Any:
    notice = AccountNotice.objects.filter(user=user).first()
    return {"prevenu_le": notice.warned_at} if notice else None


def _transitions(user: User) -> Iterator[dict[str, Any]]:
    transitions = (
        Transition.objects.filter(actor=user)
        .select_related("selection__cooperative", "selection__campaign")
        .prefetch_related("remarks__engagement")
        .order_by("created_at", "pk")
    )
    for transition in transitions.iterator(chunk_size=CHUNK):
        yield {
            "date": transition.created_at,
            "cooperative": transition.selection.cooperative.name,
            "campagne": transition.selection.campaign.name,
            "statut_de_depart": transition.get_from_status_display(),
            "statut_d_arrivee": transition.get_to_status_display(),
            "message": transition.message,
            "remarques": [
                {"engagement": remark.engagement.number, "texte": remark.text}
                for remark in transition.remarks.all()
            ],
        }


def _project_edits(user: User) -> Iterator[dict[str, Any]]:
    records = Project.history.filter(history_user=user).order_by("history_date", "history_id")
    for record in records.iterator(chunk_size=CHUNK):
        yield {
            "date": record.history_date,
            "type": HISTORY_TYPES.get(record.history_type, record.history_type),
            "projet": record.id,
            **{name: getattr(record, name) for name in Project.EDITABLE_FIELDS},
        }


def _progress_updates(user: User) -> Iterator[dict[str, Any]]:
    records = ProgressUpdate.objects.filter(author=user).order_by("created_at", "pk")
    for update in records.iterator(chunk_size=CHUNK):
        yield {
            "date": update.created_at,
            "projet": update.project_id,
            "etat": update.state,
            **{name: getattr(update, name) for name in ProgressUpdate.EDITABLE_FIELDS},
        }


def _notifications(user: User) -> Iterator[dict[str, Any]]:
    records = Notification.objects.filter(user=user).order_by("created_at", "pk")
    for notification in records.iterator(chunk_size=CHUNK):
        yield {
            "date": notification.created_at,
            "texte": notification.text,
            "lien": notification.url,
            "lue_le": notification.read_at,
        }


def _choice_edits(user: User) -> Iterator[dict[str, Any]]:
    records = (
        Choice.history.filter(history_user=user)
        .select_related("engagement")
        .order_by("history_date", "history_id")
    )
    for record in records.iterator(chunk_size=CHUNK):
        yield {
            "date": record.history_date,
            "type": HISTORY_TYPES.get(record.history_type, record.history_type),
            "engagement": record.engagement.number,
        }


def _sign_ins(user: User) -> Iterator[dict[str, Any]]:
    records = AccessLog.objects.filter(username=user.username).order_by("attempt_time", "pk")
    for record in records.iterator(chunk_size=CHUNK):
        yield {
            "date": record.attempt_time,
            "deconnexion": record.logout_time,
            "adresse_ip": record.ip_address,
            "navigateur": record.user_agent,
        }


def _failed_sign_ins(user: User) -> Iterator[dict[str, Any]]:
    records = AccessAttempt.objects.filter(username=user.username).order_by("attempt_time", "pk")
    for record in records.iterator(chunk_size=CHUNK):
        yield {
            "date": record.attempt_time,
            "echecs": record.failures_since_start,
            "adresse_ip": record.ip_address,
            "navigateur": record.user_agent,
        }
