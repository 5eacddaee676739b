"""Bringing cooperatives in from a spreadsheet: read, compare, then apply in one transaction.

A federation administrator sends a CSV (``;`` or ``,``, UTF-8 with or without
a BOM) or XLSX file, one cooperative per line: ``nom``, ``region``,
``site_web``, ``presentation``, ``email_referent`` (one address or several)
and, optionally, ``slug``. ``plan`` says line by line what would happen —
created, updated, unchanged or refused, and why — without writing anything;
``apply`` does it, and invites each référent once: an address already
invited (pending or accepted), or already a member, is not invited again, so
that importing the same file twice changes nothing the second time.

An empty cell leaves the cooperative's value as it is: an import never erases.
"""

import csv
import hashlib
import io
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import IO, Any

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email, validate_slug
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

import qualicoop.lib.spreadsheets as spreadsheets

from . import invitations
from .models import Cooperative, Invitation, Membership

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
# An XLSX file is a zip: bounded once unpacked too, by what MAX_ROWS full rows take (each
# character up to two bytes once encoded and escaped, and the markup), so that 2 MB cannot
# swell into a sheet that takes minutes to read.
MAX_UNPACKED_BYTES = MAX_ROWS * (2 * 3000 + 2048) + 1024 * 1024
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlsb", ".xlam")

# Column of the file -> field of the cooperative ("emails": the référents to invite).
COLUMNS = {
    "nom": "name",
    "region": "region",
    "site_web": "website",
    "presentation": "description",
    "email_referent": "emails",
    "slug": "slug",
}
# Headings people write for the same columns.
ALIASES = {
    "email_referents": "email_referent",
    "emails_referents": "email_referent",
    "e_mail_referent": "email_referent",
    "courriel_referent": "email_referent",
    "site": "site_web",
    "site_internet": "site_web",
    "identifiant": "slug",
}
UNREADABLE_XLSX = gettext_lazy("Ce fichier .xlsx est illisible : est-ce bien un classeur Excel ?")
EMAIL_SEPARATORS = re.compile(r"[;,\s]+")
_https_url = URLValidator(schemes=["http", "https"])


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, in French."""


class Outcome:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REFUSED = "refused"
    LABELS = {
        CREATED: gettext_lazy("créée"),
        UPDATED: gettext_lazy("mise à jour"),
        UNCHANGED: gettext_lazy("inchangée"),
        REFUSED: gettext_lazy("refusée"),
    }


# What becomes of one référent's address.
INVITE, RESEND, NOTHING = "invite", "resend", "nothing"


@dataclass
class Row:
    """One line of the file as typed: its number in the spreadsheet and its cells by column."""

    line: int
    cells: dict[str, str]
    # Cells typed right of the last column: nobody knows what they mean.
    stray: bool = False


@dataclass
class Referent:
    email: str
    action: str
    note: str


@dataclass
class Line:
    """What the import does with one row, and why."""

    line: int
    name: str
    slug: str
    outcome: str = Outcome.REFUSED
    reasons: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    referents: list[Referent] = field(default_factory=list)
    cooperative: Cooperative | None = None

    @property
    def outcome_label(self) -> str:
        return str(Outcome.LABELS[self.outcome])

    @property
    def change_labels(self) -> list[str]:
        return [_label(name) for name in self.changes]

    @property
    def invitations_to_send(self) -> int:
        return sum(1 for referent in self.referents if referent.action != NOTHING)


@dataclass
class Plan:
    lines: list[Line]

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "created": self.count(Outcome.CREATED),
            "updated": self.count(Outcome.UPDATED),
            "unchanged": self.count(Outcome.UNCHANGED),
            "refused": self.count(Outcome.REFUSED),
            "invitations": sum(line.invitations_to_send for line in self.lines),
        }

    @property
    def changes_anything(self) -> bool:
        summary = self.summary
        return bool(summary["created"] or summary["updated"] or summary["invitations"])

    def fingerprint(self) -> str:
        """What the plan would do, as a digest: applying checks that nothing moved since."""
        done = [
            (
                line.line,
                line.outcome,
                line.changes,
                [(r.email, r.action) for r in line.referents],
            )
            for line in self.lines
        ]
        return hashlib.sha256(json.dumps(done).encode()).hexdigest()


# --- Reading the file -----------------------------------------------------------------


def _heading(text: str) -> str:
    """A column's heading as a key: "Site web" and "site_web" alike, "Région" as "region"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")
    return ALIASES.get(key, key)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # A number typed in a spreadsheet cell, "75" rather than "75.0".
        return str(int(value))
    return str(value).strip()


def _csv_records(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                "Le fichier n'est pas en UTF-8 : enregistrez-le au format « CSV UTF-8 » "
                "puis envoyez-le de nouveau."
            )
        ) from None
    if "\x00" in text:
        raise ImportFileError(_("Le fichier contient des caractères nuls : est-ce bien un CSV ?"))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as error:
        raise ImportFileError(
            _("Le fichier CSV est mal formé vers la ligne %(line)s (%(error)s).")
            % {"line": reader.line_num, "error": error}
        ) from None


def _xlsx_records(data: bytes) -> list[list[str]]:
    """The sheet's rows as text, inspected first, then streamed until too many are seen."""
    try:
        workbook = spreadsheets.open_xlsx(
            data, max_unpacked=MAX_UNPACKED_BYTES, unreadable=str(UNREADABLE_XLSX), data_only=True
        )
        try:
            # Empty rows are skipped, within reason: a sheet formatted down to its
            # millionth row is refused rather than walked.
            records: list[list[str]] = []
            filled = 0
            for row in spreadsheets.sheet_rows(
                workbook, max_rows=10 * MAX_ROWS, max_columns=10 * len(COLUMNS)
            ):
                record = [_text(cell.value) for cell in row]
                filled += any(record)
                # The heading and MAX_ROWS cooperatives: one more is refused by
                # ``_rows`` without the rest of the sheet being read.
                records.append(record)
                if filled > MAX_ROWS + 1:
                    break
            merged = spreadsheets.merged_ranges(workbook)
        finally:
            workbook.close()
    except spreadsheets.WorkbookRefused as refused:
        raise ImportFileError(str(refused)) from None
    if merged:
        raise ImportFileError(
            _("Le classeur contient des cellules fusionnées (%(cells)s) : défusionnez-les.")
            % {"cells": ", ".join(merged)}
        )
    return records


def read_table(filename: str, stream: IO[bytes], size: int) -> list[Row]:
    """The rows of an uploaded file, checked as a whole (size, format, columns)."""
    if size > MAX_BYTES:
        raise ImportFileError(_("Le fichier dépasse 2 Mo : découpez-le en plusieurs fichiers."))
    name = filename.lower()
    if name.endswith(MACRO_SUFFIXES):
        raise ImportFileError(
            _("Les classeurs avec macros (.xlsm) sont refusés : enregistrez-le en .xlsx.")
        )
    data = stream.read(MAX_BYTES + 1)
    if name.endswith(".csv"):
        records = _csv_records(data)
    elif name.endswith(".xlsx"):
        records = _xlsx_records(data)
    else:
        raise ImportFileError(_("Envoyez un fichier .csv ou .xlsx."))
    return _rows(records)


def _rows(records: list[list[str]]) -> list[Row]:
    records = [[_text(cell) for cell in record] for record in records]
    if not records or not any(records[0]):
        raise ImportFileError(
            _("La première ligne doit donner les titres des colonnes : nom, region, …")
        )
    headings = [_heading(cell) for cell in records[0]]
    unknown = [
        cell for cell, key in zip(records[0], headings, strict=True) if key and key not in COLUMNS
    ]
    if unknown:
        raise ImportFileError(
            _("Colonnes inconnues : %(unknown)s. Colonnes attendues : %(expected)s.")
            % {"unknown": ", ".join(unknown), "expected": ", ".join(COLUMNS)}
        )
    repeated = sorted({key for key in headings if key and headings.count(key) > 1})
    if repeated:
        raise ImportFileError(
            _("Ces colonnes apparaissent deux fois : %(columns)s.")
            % {"columns": ", ".join(repeated)}
        )
    if "nom" not in headings:
        raise ImportFileError(_("La colonne « nom » manque."))
    body = [(number, record) for number, record in enumerate(records[1:], start=2) if any(record)]
    if not body:
        raise ImportFileError(
            _("Le fichier ne contient aucune coopérative sous la ligne des titres.")
        )
    if len(body) > MAX_ROWS:
        raise ImportFileError(
            _("Le fichier compte plus de %(max)s coopératives : découpez-le.") % {"max": MAX_ROWS}
        )
    rows = []
    for number, record in body:
        cells = {
            key: record[index] if index < len(record) else ""
            for index, key in enumerate(headings)
            if key
        }
        stray = any(
            value
            for index, value in enumerate(record)
            if index >= len(headings) or not headings[index]
        )
        rows.append(Row(line=number, cells=cells, stray=stray))
    return rows


def rows_to_data(rows: list[Row]) -> list[dict]:
    """Rows as plain values, to carry from the dry run to the import."""
    return [asdict(row) for row in rows]


def rows_from_data(data: list[dict]) -> list[Row]:
    return [Row(**row) for row in data]


# --- Comparing with the database ------------------------------------------------------


def _field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _label(name: str) -> str:
    return str(_field(Cooperative, name).verbose_name)


def _clean_value(name: str, value: str, reasons: list[str]) -> str:
    """One cell checked against its field; a refusal is added to ``reasons``."""
    if "\x00" in value:
        reasons.append(_("%(field)s : caractère nul interdit.") % {"field": _label(name)})
        return ""
    if name == "website" and value:
        typed = value
        if "://" not in value:
            # Cooperatives' sites are served over HTTPS, as in the admin.
            value = f"https://{value}"
        try:
            _https_url(value)
        except ValidationError:
            reasons.append(_("site web invalide : « %(value)s ».") % {"value": typed})
            return ""
    limit = _field(Cooperative, name).max_length
    if limit is not None and len(value) > limit:
        reasons.append(
            _("%(field)s : %(length)s caractères, pour %(limit)s au plus.")
            % {"field": _label(name), "length": len(value), "limit": limit}
        )
        return ""
    return value


def _emails(raw: str, reasons: list[str]) -> list[str]:
    emails: list[str] = []
    for item in EMAIL_SEPARATORS.split(raw):
        if not item:
            continue
        email = invitations.normalise_email(item)
        try:
            validate_email(email)
        except ValidationError:
            reasons.append(_("adresse e-mail invalide : « %(email)s ».") % {"email": item})
            continue
        if len(email) > (_field(Invitation, "email").max_length or 0):
            reasons.append(_("adresse e-mail trop longue : « %(email)s ».") % {"email": item})
        elif email not in emails:
            emails.append(email)
    return emails


def _check(row: Row) -> Line:
    """A row on its own: its values cleaned, its refusals named."""
    reasons: list[str] = []
    values = {
        COLUMNS[column]: _clean_value(COLUMNS[column], row.cells.get(column, ""), reasons)
        for column in ("nom", "region", "site_web", "presentation")
    }
    name = values["name"]
    if not row.cells.get("nom"):
        reasons.insert(0, _("nom manquant."))
    slug = row.cells.get("slug", "")
    if slug:
        try:
            validate_slug(slug)
        except ValidationError:
            reasons.append(
                _("slug invalide : « %(slug)s » (lettres, chiffres, tirets).") % {"slug": slug}
            )
        slug = _clean_value("slug", slug, reasons)
    elif name:
        slug = slugify(name)[: _field(Cooperative, "slug").max_length]
        if not slug:
            reasons.append(_("le nom ne donne aucun identifiant d'URL : ajoutez un slug."))
    if row.stray:
        reasons.append(_("des cellules sont remplies hors des colonnes prévues."))
    line = Line(line=row.line, name=name, slug=slug, reasons=reasons)
    line.values = {key: value for key, value in values.items() if value}
    line.referents = [
        Referent(email, INVITE, "")
        for email in _emails(row.cells.get("email_referent", ""), reasons)
    ]
    return line


def _known_people(cooperatives: list[Cooperative], emails: set[str]) -> dict:
    """For the cooperatives found: who is a member, and their invitations, by address."""
    user_model = get_user_model()
    accounts = user_model.objects.annotate(
        email_lower=Lower("email"), username_lower=Lower("username")
    ).filter(Q(email_lower__in=emails) | Q(username_lower__in=emails))
    account_emails: dict[int, set[str]] = {}
    for user in accounts:
        account_emails.setdefault(user.pk, set()).update(
            {user.email.lower(), user.username.lower()} & emails
        )
    members = {
        (membership.cooperative_id, email)
        for membership in Membership.objects.filter(
            cooperative__in=cooperatives, user__in=list(account_emails)
        )
        for email in account_emails[membership.user_id]
    }
    sent: dict[tuple[int | None, str], list[Invitation]] = {}
    for invitation in Invitation.objects.filter(
        cooperative__in=cooperatives, email__in=emails
    ).order_by("-sent_at"):
        sent.setdefault((invitation.cooperative_id, invitation.email), []).append(invitation)
    return {"members": members, "sent": sent}


def _referent_plan(cooperative: Cooperative, email: str, known: dict, now: datetime) -> Referent:
    if (cooperative.pk, email) in known["members"]:
        return Referent(email, NOTHING, _("déjà membre de l'équipe"))
    sent = known["sent"].get((cooperative.pk, email), [])
    states = {invitation.state(now) for invitation in sent}
    if Invitation.State.ACCEPTED in states:
        return Referent(email, NOTHING, _("invitation déjà acceptée"))
    if Invitation.State.PENDING in states:
        return Referent(email, NOTHING, _("invitation déjà envoyée, en attente"))
    if Invitation.State.EXPIRED in states:
        return Referent(email, RESEND, _("invitation expirée : renvoyée avec un nouveau lien"))
    if Invitation.State.REVOKED in states:
        # Someone decided against this person: the file does not overrule them.
        return Referent(email, NOTHING, _("invitation révoquée : non renvoyée"))
    return Referent(email, INVITE, _("invitation à envoyer"))


def plan(rows: list[Row], *, lock: bool = False) -> Plan:
    """What importing ``rows`` would do, line by line; writes nothing.

    ``lock`` (inside ``apply``'s transaction) locks the cooperatives found, so
    that what is compared is what gets written.
    """
    lines = [_check(row) for row in rows]
    # Names are matched without regard to case in Python: SQLite lowers ASCII letters only.
    slugs = {line.slug for line in lines if line.slug}
    names = {line.name.casefold() for line in lines if line.name}
    matching = [
        pk
        for pk, name, slug in Cooperative.objects.values_list("pk", "name", "slug")
        if slug in slugs or name.casefold() in names
    ]
    found = Cooperative.objects.filter(pk__in=matching)
    if lock:
        found = found.select_for_update()
    existing = list(found)
    by_slug = {cooperative.slug: cooperative for cooperative in existing}
    by_name = {cooperative.name.casefold(): cooperative for cooperative in existing}
    emails = {referent.email for line in lines for referent in line.referents}
    known = _known_people(existing, emails)
    now = timezone.now()
    seen_slugs: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for line, row in zip(lines, rows, strict=True):
        earlier = seen_slugs.get(line.slug) or seen_names.get(line.name.casefold())
        if line.name and earlier:
            line.reasons.append(
                _("doublon de la ligne %(line)s (même coopérative).") % {"line": earlier}
            )
        if line.slug:
            seen_slugs.setdefault(line.slug, line.line)
        if line.name:
            seen_names.setdefault(line.name.casefold(), line.line)
        if line.reasons:
            line.referents = []
            continue
        explicit_slug = bool(row.cells.get("slug"))
        cooperative = by_slug.get(line.slug)
        if cooperative is None and not explicit_slug:
            cooperative = by_name.get(line.name.casefold())
        namesake = by_name.get(line.name.casefold())
        if namesake is not None and namesake != cooperative:
            line.reasons.append(
                _("le nom « %(name)s » est déjà celui de la coopérative « %(slug)s ».")
                % {"name": line.name, "slug": namesake.slug}
            )
            line.referents = []
            continue
        line.cooperative = cooperative
        if cooperative is None:
            line.outcome = Outcome.CREATED
            line.referents = [
                Referent(r.email, INVITE, _("invitation à envoyer")) for r in line.referents
            ]
            continue
        line.slug = cooperative.slug
        line.changes = [
            name for name, value in line.values.items() if getattr(cooperative, name) != value
        ]
        line.outcome = Outcome.UPDATED if line.changes else Outcome.UNCHANGED
        line.referents = [
            _referent_plan(cooperative, referent.email, known, now) for referent in line.referents
        ]
    return Plan(lines)


# --- Applying -------------------------------------------------------------------------


class PlanChanged(Exception):
    """The database moved since the dry run: the new plan is to be read before importing."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(_("Les données ont changé depuis l'essai : vérifiez le nouveau rapport."))
        self.plan = plan


def apply(rows: list[Row], *, expected: str, by: User, source: str) -> Plan:
    """Create and update the cooperatives, invite their référents: all or nothing.

    ``expected`` is the fingerprint of the plan the administrator read; if the
    plan is no longer the same, nothing is written (``PlanChanged``).
    """
    try:
        with transaction.atomic():
            result = plan(rows, lock=True)
            if result.fingerprint() != expected:
                raise PlanChanged(result)
            for line in result.lines:
                if line.outcome != Outcome.REFUSED:
                    _apply_line(line, by=by, source=source)
    except (IntegrityError, invitations.InvitationError):
        # Someone changed the same cooperatives at the same moment: nothing was written.
        raise ImportFileError(
            _("L'import a été annulé, rien n'a été modifié : vérifiez de nouveau le fichier.")
        ) from None
    return result


def _apply_line(line: Line, *, by: User, source: str) -> None:
    cooperative = line.cooperative
    where = _("Import du fichier « %(file)s », ligne %(line)s.") % {
        "file": source,
        "line": line.line,
    }
    if cooperative is None:
        cooperative = Cooperative.objects.create(slug=line.slug, **line.values)
        line.cooperative = cooperative
        _log(by, cooperative, ADDITION, where)
    elif line.changes:
        for name in line.changes:
            setattr(cooperative, name, line.values[name])
        cooperative.save(update_fields=line.changes)
        _log(
            by,
            cooperative,
            CHANGE,
            where
            + " "
            + ngettext(
                "Champ modifié : %(fields)s.", "Champs modifiés : %(fields)s.", len(line.changes)
            )
            % {"fields": ", ".join(line.change_labels)},
        )
    for referent in line.referents:
        if referent.action == INVITE:
            invitations.invite(
                cooperative=cooperative, email=referent.email, role=Invitation.Role.REFERENT, by=by
            )
        elif referent.action == RESEND:
            pending = invitations.open_invitations(cooperative).get(email=referent.email)
            invitations.resend(invitation=pending, by=by)


def _log(by: User, cooperative: Cooperative, flag: int, message: str) -> None:
    """The cooperative's admin history says where it came from."""
    LogEntry.objects.log_actions(
        user_id=by.pk,
        queryset=[cooperative],
        action_flag=flag,
        change_message=message,
        single_object=True,
    )
