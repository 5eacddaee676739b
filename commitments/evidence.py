"""Evidence (pièces justificatives): files attached to projects, progress updates and values.

Every rule about them lives here:

* a file is accepted for its content (``qualicoop.lib.file_types``), its size, the
  cooperative's quota and, when a scanner is configured, ClamAV's verdict; it
  is kept under a generated key, never under the name it came with;
* it is locked with its version: once the selection (or the progress update)
  is sent, nothing attached to it is removed, and a file is added only where
  the federation asked for another piece;
* a new version or a new cycle copies the rows, not the bytes: copies share
  the stored object's key, and the object is deleted with the last row
  naming it (``purge_orphan_files`` removes any object no row names);
* reviewers accept a piece or ask for another one, with a remark.
"""

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from coops.models import Cooperative
from qualicoop.lib import file_store
from qualicoop.lib.antivirus import ScannerUnavailable, is_configured, scan
from qualicoop.lib.file_types import Kind, RefusedFile, detect

from .models import (
    Evidence,
    EvidenceStatus,
    Measurement,
    ProgressUpdate,
    Project,
    UpdateState,
)

logger = logging.getLogger("qualicoop.evidence")

PREFIX = "evidence"
NAME_MAX = 255

# What a file supports: a project, one of its progress updates, or a measured value.
Target = Project | ProgressUpdate | Measurement


class EvidenceError(Exception):
    """A refused upload or move; ``field`` names the form field the message belongs next to."""

    def __init__(self, message: StrOrPromise, field: str | None = None) -> None:
        super().__init__(str(message))
        self.field = field


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


def project_of(target: Target) -> Project:
    if isinstance(target, Project):
        return target
    if isinstance(target, ProgressUpdate):
        return target.project
    return target.indicator.project


def _target_field(target: Target) -> dict[str, Target]:
    if isinstance(target, Project):
        return {"project": target}
    if isinstance(target, ProgressUpdate):
        return {"update": target}
    return {"measurement": target}


def supporting(project: Project) -> Q:
    """Evidence of ``project``: its own, its progress updates' and its values'."""
    return (
        Q(project=project) | Q(update__project=project) | Q(measurement__indicator__project=project)
    )


def _is_open(target: Target) -> bool:
    """Whether what ``target`` belongs to is still being written (not sent, not validated)."""
    update = target if isinstance(target, ProgressUpdate) else None
    if isinstance(target, Measurement) and target.update_id is not None:
        update = target.update
    if update is not None:
        return update.state in (UpdateState.DRAFT, UpdateState.SENT_BACK)
    return project_of(target).choice.selection.is_editable


def another_requested(project: Project) -> bool:
    """The federation asked for another piece for ``project`` (which reopens adding one)."""
    return (
        Evidence.objects.filter(supporting(project))
        .filter(status=EvidenceStatus.ANOTHER_REQUESTED)
        .exists()
    )


def may_attach(target: Target) -> bool:
    return _is_open(target) or another_requested(project_of(target))


def attachable(project: Project) -> list[Target]:
    """What of ``project`` a file may be attached to now: itself, its updates, its values."""
    targets: list[Target] = [project, *project.updates.all()]
    targets += Measurement.objects.filter(indicator__project=project).select_related(
        "indicator", "update"
    )
    if another_requested(project):
        return targets
    return [target for target in targets if _is_open(target)]


def may_remove(evidence: Evidence) -> bool:
    return _is_open(target_of(evidence))


def target_of(evidence: Evidence) -> Target:
    return evidence.project or evidence.update or evidence.measurement  # type: ignore[return-value]


def display_name(name: str) -> str:
    """The uploaded name, kept to show; one that tries to be a path is refused."""
    name = name.strip()
    if not name or "/" in name or "\\" in name or ".." in name or "\0" in name:
        raise EvidenceError(
            _("Ce nom de fichier n'est pas accepté : renommez le fichier, sans « / » ni « .. »."),
            field="file",
        )
    return "".join(char for char in name if char.isprintable())[:NAME_MAX]


def used_bytes(cooperative: Cooperative) -> int:
    """What the cooperative's files take in the store, each stored object counted once."""
    sizes = dict(Evidence.objects.filter(cooperative=cooperative).values_list("key", "size"))
    return sum(sizes.values())


def _check(cooperative: Cooperative, upload: Upload) -> Kind:
    size = len(upload.data)
    if size == 0:
        raise EvidenceError(_("Le fichier est vide."), field="file")
    if size > settings.EVIDENCE_MAX_BYTES:
        raise EvidenceError(
            _("Le fichier dépasse la taille maximale de %(max)s Mo.")
            % {"max": settings.EVIDENCE_MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    if used_bytes(cooperative) + size > settings.EVIDENCE_QUOTA_BYTES:
        raise EvidenceError(
            _(
                "Ce fichier dépasserait l'espace réservé aux pièces de la coopérative "
                "(%(quota)s Mo) : retirez d'abord des pièces inutiles."
            )
            % {"quota": settings.EVIDENCE_QUOTA_BYTES // (1024 * 1024)},
            field="file",
        )
    try:
        kind = detect(upload.data, upload.name)
    except RefusedFile as refused:
        raise EvidenceError(str(refused), field="file") from None
    if is_configured():
        try:
            verdict = scan(upload.data)
        except ScannerUnavailable as error:
            logger.error("evidence_scan_unavailable error=%s", error)
            raise EvidenceError(
                _(
                    "L'analyse antivirus est indisponible : le fichier n'a pas été enregistré. "
                    "Réessayez dans quelques minutes."
                ),
                field="file",
            ) from None
        if not verdict.clean:
            logger.warning("evidence_infected signature=%s", verdict.signature)
            raise EvidenceError(
                _("L'antivirus a détecté une menace dans ce fichier : il n'a pas été enregistré."),
                field="file",
            )
    return kind


def attach(
    *,
    target: Target,
    upload: Upload,
    title: str,
    by: User | None,
    note: str = "",
    public: bool = False,
) -> Evidence:
    """Keep ``upload`` as evidence of ``target``, or refuse it (``EvidenceError``); nothing
    is kept of a refused file."""
    project = project_of(target)
    cooperative = project.choice.selection.cooperative
    if not may_attach(target):
        raise EvidenceError(
            _(
                "Cette version a été envoyée à la fédération : une pièce ne peut y être ajoutée "
                "que si la fédération en demande une autre."
            )
        )
    name = display_name(upload.name)
    kind = _check(cooperative, upload)
    key = file_store.keep(f"{PREFIX}/{cooperative.pk}", upload.data)
    try:
        return Evidence.objects.create(
            cooperative=cooperative,
            title=title,
            note=note,
            public=public,
            key=key,
            original_name=name,
            content_type=kind.content_type,
            size=len(upload.data),
            sha256=hashlib.sha256(upload.data).hexdigest(),
            uploaded_by=by,
            **_target_field(target),
        )
    except BaseException:
        default_storage.delete(key)
        raise


def _forget(key: str) -> None:
    """The stored object ``key``, deleted once no row names it any more."""
    if not Evidence.objects.filter(key=key).exists():
        default_storage.delete(key)


def remove(*, evidence: Evidence) -> None:
    """A piece taken off a version still being written; its file goes with its last row."""
    if not may_remove(evidence):
        raise EvidenceError(
            _("Cette pièce appartient à une version envoyée à la fédération : elle est conservée.")
        )
    key = evidence.key
    with transaction.atomic():
        evidence.delete()
        transaction.on_commit(lambda: _forget(key))


def _review(evidence: Evidence, *, status: str, by: User | None, remark: str) -> Evidence:
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        locked.status = status
        locked.remark = remark
        locked.reviewed_by = by
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["status", "remark", "reviewed_by", "reviewed_at"])
    return locked


def accept(*, evidence: Evidence, by: User | None) -> Evidence:
    """A reviewer accepts the piece ("Pièce acceptée")."""
    return _review(evidence, status=EvidenceStatus.ACCEPTED, by=by, remark="")


def request_another(*, evidence: Evidence, by: User | None, remark: str) -> Evidence:
    """A reviewer asks for another piece, saying what is missing; staff may then add one."""
    if not remark.strip():
        raise EvidenceError(_("Dites quelle pièce est attendue."), field="remark")
    return _review(evidence, status=EvidenceStatus.ANOTHER_REQUESTED, by=by, remark=remark.strip())


_COPIED_FIELDS = (
    "cooperative_id",
    "title",
    "note",
    "public",
    "key",
    "original_name",
    "content_type",
    "size",
    "sha256",
    "uploaded_by_id",
    "uploaded_at",
    "status",
    "remark",
    "reviewed_by_id",
    "reviewed_at",
)


def copy_to_new_version(
    projects: Iterable[tuple[Project, Project]],
    measurements: Iterable[tuple[Measurement, Measurement]],
) -> None:
    """The evidence of the copied projects and values follows them: new rows, same files."""
    new_project = {old.pk: new for old, new in projects}
    new_measurement = {old.pk: new for old, new in measurements}
    rows = Evidence.objects.filter(
        Q(project__in=list(new_project)) | Q(measurement__in=list(new_measurement))
    )
    Evidence.objects.bulk_create(
        Evidence(
            project=new_project.get(row.project_id) if row.project_id else None,
            measurement=new_measurement.get(row.measurement_id) if row.measurement_id else None,
            **{name: getattr(row, name) for name in _COPIED_FIELDS},
        )
        for row in rows
    )


def stored_keys() -> set[str]:
    """Every object kept under the evidence prefix of the file store."""
    return file_store.stored_keys(PREFIX)


def by_project(projects: Iterable[Project]) -> dict[int, list[Evidence]]:
    """The evidence of each of ``projects`` (its own, its updates' and values'), in one query."""
    ids = [project.pk for project in projects]
    grouped: dict[int, list[Evidence]] = {pk: [] for pk in ids}
    rows = Evidence.objects.filter(
        Q(project__in=ids) | Q(update__project__in=ids) | Q(measurement__indicator__project__in=ids)
    ).select_related("update", "measurement__indicator")
    for row in rows:
        if row.update is not None:
            grouped[row.update.project_id].append(row)
        elif row.measurement is not None:
            grouped[row.measurement.indicator.project_id].append(row)
        else:
            grouped[row.project_id].append(row)  # type: ignore[index]
    return grouped
