"""Every URL of the portal × every role: who gets what (the rule is tested once).

``test_it_covers_every_url_pattern`` walks the whole URLconf, the admin's
included, and fails when a pattern is neither in ``PUBLIC`` (with the reason
it is open to all) nor reached by a case of the matrix: a new view must say
who may use it before it ships.

The matrix points every URL at cooperative A's objects (``world``) and states,
for each method the view accepts, the outcome for each role:

* anonymous → the login page, with ``next`` bringing them back;
* staff of another cooperative → 404 (A's existence is not even revealed);
* a member whose role lacks the right (a contributeur submitting) → 403;
* a contributeur limited to the projects she carries, on another's project → 403;
* a guest of A reads the pages declared for guests (GET), and gets a 403 on every
  other page of A's workspace and on every POST; once their access ended, a guest is
  a stranger to A (404), as staff of another cooperative;
* federation pages for anyone but reviewers → 404;
* the admin for anyone but administrators → the admin's login page.

After every refused POST, nothing in the database has changed.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from commitments import spreadsheet_import
from commitments.models import Engagement, Project
from coops import api_keys
from coops.invitations import hash_token
from coops.models import ApiKey, Invitation, Membership
from qualicoop.lib.notify import Kind
from qualicoop.webhooks.models import Endpoint
from tests import factories

from .support import ROLES, assert_login_redirect, database_snapshot

GET, POST = "get", "post"

# Outcomes. The integers are plain status codes.
LOGIN = "login"  # 302 to the portal's login page, ``next`` pointing back
ADMIN_LOGIN = "admin login"  # 302 to the admin's login page, ``next`` pointing back
REDIRECT = "redirect"  # 302 anywhere else: done, or sent to one's own page
OK, UNAUTHORISED, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 200, 401, 403, 404, 405
REFUSALS = {LOGIN, ADMIN_LOGIN, UNAUTHORISED, FORBIDDEN, NOT_FOUND, NOT_ALLOWED}


LIMITED = "contributor_a_own"
GUEST, EXPIRED_GUEST = "guest_a", "guest_a_expired"
# The columns written out; the limited contributor's follows Arthur's unless said, the
# guests' follow Bob's (signed in, no standing in A) unless said.
COLUMNS = tuple(role for role in ROLES if role not in (LIMITED, GUEST, EXPIRED_GUEST))


def outcomes(*by_role, own_projects_only=None, guest=None, expired_guest=None):
    """One outcome per role of ``COLUMNS``; ``own_projects_only``: the limited contributor's.

    She gets what Arthur gets, except on another's project (``own_projects_only``).
    A guest of A (``guest``) and a guest whose access ended (``expired_guest``) get
    what Bob gets, except where said: A's workspace.
    """
    table = dict(zip(COLUMNS, by_role, strict=True))
    table[LIMITED] = table["contributor_a"] if own_projects_only is None else own_projects_only
    table[GUEST] = table["staff_b"] if guest is None else guest
    table[EXPIRED_GUEST] = table["staff_b"] if expired_guest is None else expired_guest
    return table


# Columns: anonymous, contributor_a, referent_a, staff_b, reviewer, admin.
# A's workspace: a guest of A gets a 403 unless the page is one guests read (READERS).
MEMBERS = outcomes(LOGIN, OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, guest=FORBIDDEN)
READERS = outcomes(LOGIN, OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, guest=OK)
MEMBERS_DONE = outcomes(LOGIN, REDIRECT, REDIRECT, NOT_FOUND, NOT_FOUND, NOT_FOUND, guest=FORBIDDEN)
REFERENTS = outcomes(LOGIN, FORBIDDEN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, guest=FORBIDDEN)
REFERENTS_DONE = outcomes(
    LOGIN, FORBIDDEN, REDIRECT, NOT_FOUND, NOT_FOUND, NOT_FOUND, guest=FORBIDDEN
)
# POST-only views check the method before the cooperative: a GET reveals nothing.
POST_ONLY = outcomes(LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED)
# Everyone is sent to their own place: A's staff and guest to A, Bob to B, reviewers to
# the queue; a guest whose access ended has no place, and is told so.
OWN_PLACE = outcomes(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, expired_guest=OK)
REVIEWERS = outcomes(LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, OK)
REVIEWERS_DONE = outcomes(LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, REDIRECT, REDIRECT)
REVIEWERS_POST_ONLY = outcomes(LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_ALLOWED, NOT_ALLOWED)
LOGGED_IN = outcomes(LOGIN, OK, OK, OK, OK, OK)
# The API of a cooperative's own figures takes a key, never a session: 401 for all.
KEY_ONLY = outcomes(*[UNAUTHORISED] * 6)
# Bringing cooperatives in: federation administrators only; reviewers do not see it either.
FEDERATION_ADMINS = outcomes(LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK)
FEDERATION_ADMINS_DONE = outcomes(LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, REDIRECT)
FEDERATION_ADMINS_POST_ONLY = outcomes(
    LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_ALLOWED
)
# What a member sent (a workbook): Alice's, so Arthur, of the same cooperative, gets a 404.
SENDER = outcomes(LOGIN, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, guest=FORBIDDEN)
SENDER_DONE = outcomes(LOGIN, NOT_FOUND, REDIRECT, NOT_FOUND, NOT_FOUND, NOT_FOUND, guest=FORBIDDEN)
LOGGED_IN_DONE = outcomes(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT)
# Changing a project or what hangs on it: members, but a contributor limited to the
# projects she carries gets a 403 on another's (the world's projects are not hers).
PROJECT_EDITORS = {**MEMBERS, LIMITED: FORBIDDEN}
PROJECT_EDITORS_DONE = {**MEMBERS_DONE, LIMITED: FORBIDDEN}


def administrators(outcome):
    """Admin pages: the administrator gets ``outcome``, everyone else the admin's login."""
    return outcomes(*[ADMIN_LOGIN] * (len(COLUMNS) - 1), outcome)


@dataclass(frozen=True)
class Case:
    id: str
    url: Callable  # World -> the path to request, query string included
    method: str
    outcomes: dict
    data: Callable = field(default=lambda world: {})  # World -> POST data


def named(name, *args, query=""):
    """The URL ``name`` with ``args``, each a function of the world."""
    return lambda world: reverse(name, args=[arg(world) for arg in args]) + query


# URL arguments, taken from cooperative A's objects.
def A(world):
    return world.coop_a.slug


def PROJECT(world):
    return world.project.pk


def SUBMITTED_PROJECT(world):
    return Project.objects.filter(choice__selection=world.submitted).order_by("pk").first().pk


def CARRIED(world):
    return world.carried.pk


def INDICATOR(world):
    return world.project.indicator_set.get().pk


def INVITATION(world):
    return world.admin_objects["coops.invitation"].pk


def NOTIFICATION(world):
    return world.admin_objects["commitments.notification"].pk


def CONTRIBUTOR_MEMBERSHIP(world):
    return world.users["contributor_a"].memberships.get().pk


def API_KEY(world):
    # Made when asked for: no other test of the matrix needs a key in the world.
    key = ApiKey.objects.filter(cooperative=world.coop_a).first()
    if key is None:
        key, _text = api_keys.create_key(
            cooperative=world.coop_a,
            by=world.users["referent_a"],
            name="Outil du réviseur",
            may_read=True,
            may_write=True,
            expires_on=timezone.localdate() + api_keys.DEFAULT_LIFETIME,
        )
    return key.pk


IMPORT_FILE = "nom;region;email_referent\nCoopérative Gamma;Normandie;gamma@example.org\n"


def _import_upload(world):
    return {"fichier": SimpleUploadedFile("cooperatives.csv", IMPORT_FILE.encode())}


def IMPORT_JOB(world):
    return world.cooperative_import.pk


def FOLLOWED(world):
    return world.followed.pk


def DRAFT_UPDATE(world):
    return world.draft_update.pk


def SUBMITTED_UPDATE(world):
    return world.submitted_update.pk


UPDATE_DATA = {
    "status": "in_progress",
    "reason": "",
    "text": "Les travaux avancent.",
    "happened_on": "2026-01-15",
}


def _spreadsheet_bytes(world):
    return spreadsheet_import.workbook(world.draft)


def _spreadsheet_upload(world):
    return {"fichier": SimpleUploadedFile("selection.xlsx", _spreadsheet_bytes(world))}


def SPREADSHEET_JOB(world):
    return world.spreadsheet_job.pk


def EVIDENCE(world):
    return world.evidence.pk


def _evidence_upload(world):
    return {
        "target": "projet",
        "title": "Compte rendu",
        "file": SimpleUploadedFile("compte-rendu.txt", "Réunion tenue.".encode()),
    }


def DOSSIER(world):
    return world.dossier.pk


def SYNTHESIS_JOB(world):
    return world.admin_objects["documents.synthesisjob"].pk


WEBHOOK_DATA = {"url": "https://example.org/crochet", "events": ["selection.validated"]}


def ENDPOINT_A(world):
    # Made in the test's own transaction: the session's world stays as it was.
    return Endpoint.objects.get_or_create(cooperative=world.coop_a, url="https://example.org/a")[
        0
    ].pk


def NETWORK_ENDPOINT(world):
    return Endpoint.objects.get_or_create(cooperative=None, url="https://example.org/reseau")[0].pk


def SUBMITTED(world):
    return world.submitted.pk


def VALIDATED(world):
    return world.validated.pk


def REOPENING(world):
    return world.admin_objects["commitments.reopeningrequest"].pk


def ENGAGEMENT_1(world):
    return 1


PROJECT_DATA = {
    "title": "Atelier d'accueil des locataires",
    "description": "Un atelier mensuel pour les nouveaux locataires.",
    "objectives": "",
    "indicators": "",
    "target_date": "",
    "progress": "planned",
}
NEW_PASSWORD = "Un-nouveau-mot-de-passe-42"


def _case(name, method, expected, *args, label="", data=None, query=""):
    suffix = f"[{label}]" if label else ""
    return Case(
        id=f"{name}{suffix}-{method.upper()}",
        url=named(name, *args, query=query),
        method=method,
        outcomes=expected,
        data=data or (lambda world: {}),
    )


PORTAL_CASES = [
    # The cooperative workspace, on A's draft.
    _case("workspace:home", GET, OWN_PLACE),
    _case("workspace:dashboard", GET, READERS, A),
    _case("workspace:start", GET, POST_ONLY, A),
    # A already has its draft: members are told so, on their dashboard.
    _case("workspace:start", POST, MEMBERS_DONE, A),
    _case("workspace:choose", GET, MEMBERS, A),
    _case(
        "workspace:choose",
        POST,
        MEMBERS_DONE,
        A,
        data=lambda world: {"engagements": ["1", "2", "3"]},
    ),
    _case("workspace:engagement", GET, READERS, A, ENGAGEMENT_1),
    _case("workspace:project_create", GET, MEMBERS, A, ENGAGEMENT_1),
    _case(
        "workspace:project_create",
        POST,
        MEMBERS_DONE,
        A,
        ENGAGEMENT_1,
        data=lambda world: PROJECT_DATA,
    ),
    _case("workspace:project_edit", GET, PROJECT_EDITORS, A, PROJECT),
    _case(
        "workspace:project_edit",
        POST,
        PROJECT_EDITORS_DONE,
        A,
        PROJECT,
        data=lambda world: {**PROJECT_DATA, "version": str(world.project.version)},
    ),
    _case("workspace:project_delete", GET, PROJECT_EDITORS, A, PROJECT),
    _case("workspace:project_delete", POST, PROJECT_EDITORS_DONE, A, PROJECT),
    # Carry-forward: A's project carried from its previous cycle.
    _case("workspace:project_carry", GET, POST_ONLY, A, CARRIED),
    _case(
        "workspace:project_carry",
        POST,
        PROJECT_EDITORS_DONE,
        A,
        CARRIED,
        data=lambda world: {"carry": "renewed"},
    ),
    _case("workspace:project_drop", GET, PROJECT_EDITORS, A, CARRIED),
    _case(
        "workspace:project_drop",
        POST,
        PROJECT_EDITORS_DONE,
        A,
        CARRIED,
        data=lambda world: {"reason": "Plus de terrain disponible."},
    ),
    # The owners of a project of A's submitted selection: its référents only.
    _case("workspace:project_owners", GET, REFERENTS, A, SUBMITTED_PROJECT),
    _case(
        "workspace:project_owners",
        POST,
        REFERENTS_DONE,
        A,
        SUBMITTED_PROJECT,
        data=lambda world: {"owner": str(world.users["referent_a"].pk)},
    ),
    _case("workspace:project_move", GET, POST_ONLY, A, PROJECT),
    _case(
        "workspace:project_move",
        POST,
        PROJECT_EDITORS_DONE,
        A,
        PROJECT,
        data=lambda world: {"direction": "down"},
    ),
    # The indicators of A's project and their measured values.
    _case("workspace:indicator_create", GET, PROJECT_EDITORS, A, PROJECT),
    _case(
        "workspace:indicator_create",
        POST,
        PROJECT_EDITORS_DONE,
        A,
        PROJECT,
        data=lambda world: {"name": "Familles accompagnées", "target_value": "1 250,5"},
    ),
    _case("workspace:indicator_edit", GET, PROJECT_EDITORS, A, INDICATOR),
    _case(
        "workspace:indicator_edit",
        POST,
        PROJECT_EDITORS_DONE,
        A,
        INDICATOR,
        data=lambda world: {"name": "Logements livrés", "target_value": "150"},
    ),
    _case("workspace:indicator_delete", GET, PROJECT_EDITORS, A, INDICATOR),
    _case("workspace:indicator_delete", POST, PROJECT_EDITORS_DONE, A, INDICATOR),
    _case("workspace:measurement_create", GET, PROJECT_EDITORS, A, INDICATOR),
    _case(
        "workspace:measurement_create",
        POST,
        PROJECT_EDITORS_DONE,
        A,
        INDICATOR,
        data=lambda world: {"value": "12", "measured_on": "2025-06-30"},
    ),
    _case("workspace:submit", GET, REFERENTS, A),
    _case("workspace:submit", POST, REFERENTS_DONE, A, data=lambda world: {"message": "Prête."}),
    # A's working selection is a draft: the référent is sent back with the reason.
    _case("workspace:withdraw", GET, REFERENTS_DONE, A),
    _case("workspace:withdraw", POST, REFERENTS_DONE, A, data=lambda world: {"message": "Oubli."}),
    _case("workspace:ask_reopening", GET, REFERENTS_DONE, A),
    _case(
        "workspace:ask_reopening",
        POST,
        REFERENTS_DONE,
        A,
        data=lambda world: {"message": "Un projet de plus."},
    ),
    # A's profile facts: every member reads them, référents change them.
    _case("workspace:profile", GET, READERS, A),
    _case(
        "workspace:profile",
        POST,
        REFERENTS_DONE,
        A,
        data=lambda world: {
            "homes_managed": "1200",
            "activities": ["rental"],
            "legal_form": "scic",
        },
    ),
    # How A compares with cooperatives like it: every member.
    _case("workspace:peers", GET, READERS, A),
    _case("workspace:peers", GET, READERS, A, label="region", query="?region=1"),
    # A's team: every member sees it, référents change it (Camille is invited, Arthur a member).
    _case("workspace:team", GET, MEMBERS, A),
    # What A's guests read: its référents only.
    _case("workspace:team_visits", GET, REFERENTS, A),
    _case("workspace:team_invite", GET, POST_ONLY, A),
    _case(
        "workspace:team_invite",
        POST,
        REFERENTS_DONE,
        A,
        data=lambda world: {"email": "dominique@example.org", "role": "contributor"},
    ),
    _case("workspace:team_resend", GET, POST_ONLY, A, INVITATION),
    _case("workspace:team_resend", POST, REFERENTS_DONE, A, INVITATION),
    _case("workspace:team_revoke", GET, REFERENTS, A, INVITATION),
    _case("workspace:team_revoke", POST, REFERENTS_DONE, A, INVITATION),
    # A's API keys: référents only (a key acts with a référent's reach).
    _case("workspace:api_keys", GET, REFERENTS, A),
    _case(
        "workspace:api_keys",
        POST,
        REFERENTS,
        A,
        data=lambda world: {
            "name": "Prêteur",
            "may_read": "on",
            "expires_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        },
    ),
    _case("workspace:api_key_revoke", GET, REFERENTS, A, API_KEY),
    _case("workspace:api_key_revoke", POST, REFERENTS_DONE, A, API_KEY),
    # A's own figures over the API: a key of A only, never a session
    # (the key's rules: tests/views/test_api_keys.py).
    _case("discovery:api_own_selection", GET, KEY_ONLY, A),
    _case("discovery:api_own_measurement", POST, KEY_ONLY, A, INDICATOR),
    _case(
        "discovery:api_own_update",
        POST,
        KEY_ONLY,
        A,
        FOLLOWED,
        data=lambda world: UPDATE_DATA,
    ),
    _case("workspace:team_role", GET, POST_ONLY, A, CONTRIBUTOR_MEMBERSHIP),
    _case(
        "workspace:team_role",
        POST,
        REFERENTS_DONE,
        A,
        CONTRIBUTOR_MEMBERSHIP,
        data=lambda world: {"role": "referent"},
    ),
    _case("workspace:team_limit", GET, POST_ONLY, A, CONTRIBUTOR_MEMBERSHIP),
    _case(
        "workspace:team_limit",
        POST,
        REFERENTS_DONE,
        A,
        CONTRIBUTOR_MEMBERSHIP,
        data=lambda world: {"own_projects_only": "on"},
    ),
    _case("workspace:team_remove", GET, REFERENTS, A, CONTRIBUTOR_MEMBERSHIP),
    _case("workspace:team_remove", POST, REFERENTS_DONE, A, CONTRIBUTOR_MEMBERSHIP),
    # The progress journal of A's validated project.
    _case("workspace:follow_up", GET, READERS, A),
    _case("workspace:update_create", GET, PROJECT_EDITORS, A, FOLLOWED),
    _case(
        "workspace:update_create",
        POST,
        PROJECT_EDITORS_DONE,
        A,
        FOLLOWED,
        data=lambda world: {**UPDATE_DATA, "send": ""},
    ),
    _case("workspace:update_edit", GET, PROJECT_EDITORS, A, DRAFT_UPDATE),
    _case(
        "workspace:update_edit",
        POST,
        PROJECT_EDITORS_DONE,
        A,
        DRAFT_UPDATE,
        data=lambda world: {**UPDATE_DATA, "save": ""},
    ),
    _case("workspace:update_submit", GET, POST_ONLY, A, DRAFT_UPDATE),
    _case("workspace:update_submit", POST, PROJECT_EDITORS_DONE, A, DRAFT_UPDATE),
    _case("workspace:update_delete", GET, PROJECT_EDITORS, A, DRAFT_UPDATE),
    _case("workspace:update_delete", POST, PROJECT_EDITORS_DONE, A, DRAFT_UPDATE),
    # A's working selection in a spreadsheet: download, send back, follow the worker's
    # dry run, import. A file sent is its sender's: Arthur does not see Alice's.
    _case("workspace:spreadsheet", GET, MEMBERS, A),
    _case("workspace:spreadsheet_export", GET, READERS, A),
    _case("workspace:spreadsheet_import", GET, MEMBERS, A),
    _case(
        "workspace:spreadsheet_import",
        POST,
        MEMBERS_DONE,
        A,
        label="essai",
        data=_spreadsheet_upload,
    ),
    _case("workspace:spreadsheet_job", GET, SENDER, A, SPREADSHEET_JOB),
    _case("workspace:spreadsheet_job_apply", GET, POST_ONLY, A, SPREADSHEET_JOB),
    _case("workspace:spreadsheet_job_apply", POST, SENDER_DONE, A, SPREADSHEET_JOB),
    # A's evidence: a project's files, one downloaded, one removed from the draft.
    _case("workspace:project_evidence", GET, READERS, A, PROJECT),
    _case(
        "workspace:project_evidence", POST, PROJECT_EDITORS_DONE, A, PROJECT, data=_evidence_upload
    ),
    _case("workspace:evidence_file", GET, READERS, A, EVIDENCE),
    _case("workspace:evidence_delete", GET, PROJECT_EDITORS, A, EVIDENCE),
    _case("workspace:evidence_delete", POST, PROJECT_EDITORS_DONE, A, EVIDENCE),
    # A's PDFs in its workspace: the published one, and the working document (asked
    # for, followed, downloaded once the worker made it).
    _case("documents:workspace:pdf", GET, READERS, A),
    _case("documents:workspace:working", GET, READERS, A),
    _case("documents:workspace:working", POST, MEMBERS_DONE, A),
    _case("documents:workspace:working_pdf", GET, READERS, A),
    # A's dossier de révision: its référents ask for it and download it.
    _case("documents:workspace:dossier", GET, REFERENTS, A),
    _case("documents:workspace:dossier", POST, REFERENTS_DONE, A),
    _case("documents:workspace:dossier_zip", GET, REFERENTS, A, DOSSIER),
    _case("documents:federation:dossier", GET, REVIEWERS, A),
    _case("documents:federation:dossier", POST, REVIEWERS_DONE, A),
    _case("documents:federation:dossier_zip", GET, REVIEWERS, DOSSIER),
    # A's webhooks: its référents register them; the federation's administrators theirs.
    _case("webhooks:workspace:list", GET, REFERENTS, A),
    _case("webhooks:workspace:list", POST, REFERENTS, A, data=lambda world: WEBHOOK_DATA),
    _case("webhooks:workspace:detail", GET, REFERENTS, A, ENDPOINT_A),
    _case(
        "webhooks:workspace:detail",
        POST,
        REFERENTS_DONE,
        A,
        ENDPOINT_A,
        data=lambda world: WEBHOOK_DATA,
    ),
    _case("webhooks:workspace:delete", GET, REFERENTS, A, ENDPOINT_A),
    _case("webhooks:workspace:delete", POST, REFERENTS_DONE, A, ENDPOINT_A),
    _case("webhooks:federation:list", GET, FEDERATION_ADMINS),
    _case("webhooks:federation:list", POST, FEDERATION_ADMINS, data=lambda world: WEBHOOK_DATA),
    _case("webhooks:federation:detail", GET, FEDERATION_ADMINS, NETWORK_ENDPOINT),
    _case(
        "webhooks:federation:detail",
        POST,
        FEDERATION_ADMINS_DONE,
        NETWORK_ENDPOINT,
        data=lambda world: WEBHOOK_DATA,
    ),
    _case("webhooks:federation:delete", GET, FEDERATION_ADMINS, NETWORK_ENDPOINT),
    _case("webhooks:federation:delete", POST, FEDERATION_ADMINS_DONE, NETWORK_ENDPOINT),
    # The federation's synthesis of a campaign.
    _case("documents:federation:synthesis", GET, REVIEWERS),
    _case("documents:federation:synthesis_request", GET, REVIEWERS_POST_ONLY),
    _case(
        "documents:federation:synthesis_request",
        POST,
        REVIEWERS_DONE,
        data=lambda world: {"campagne": world.campaign.slug},
    ),
    _case("documents:federation:synthesis_pdf", GET, REVIEWERS, SYNTHESIS_JOB),
    _case("documents:federation:synthesis_xlsx", GET, REVIEWERS, SYNTHESIS_JOB),
    # The federation's pages, on A's submitted and validated selections.
    _case("federation:queue", GET, REVIEWERS),
    _case("federation:dashboard", GET, REVIEWERS),
    _case("federation:import", GET, FEDERATION_ADMINS),
    _case("federation:import_template_csv", GET, FEDERATION_ADMINS),
    _case("federation:import_template_xlsx", GET, FEDERATION_ADMINS),
    _case("federation:import", POST, FEDERATION_ADMINS_DONE, label="essai", data=_import_upload),
    _case("federation:import_job", GET, FEDERATION_ADMINS, IMPORT_JOB),
    _case("federation:import_job_apply", GET, FEDERATION_ADMINS_POST_ONLY, IMPORT_JOB),
    _case("federation:import_job_apply", POST, FEDERATION_ADMINS_DONE, IMPORT_JOB),
    _case("federation:updates_queue", GET, REVIEWERS),
    _case("federation:update_review", GET, REVIEWERS, SUBMITTED_UPDATE),
    _case(
        "federation:update_review",
        POST,
        REVIEWERS_DONE,
        SUBMITTED_UPDATE,
        label="publier",
        data=lambda world: {"publish": "", "remark": ""},
    ),
    _case(
        "federation:update_review",
        POST,
        REVIEWERS_DONE,
        SUBMITTED_UPDATE,
        label="renvoyer",
        data=lambda world: {"send_back": "", "remark": "Chiffrez l'avancée."},
    ),
    _case("federation:follow_up", GET, REVIEWERS),
    _case("federation:evidence_file", GET, REVIEWERS, EVIDENCE),
    _case("federation:evidence_review", GET, REVIEWERS, EVIDENCE),
    _case(
        "federation:evidence_review",
        POST,
        REVIEWERS_DONE,
        EVIDENCE,
        data=lambda world: {"accept": "1", "remark": ""},
    ),
    _case("federation:project_exemplary", GET, REVIEWERS_POST_ONLY, FOLLOWED),
    _case(
        "federation:project_exemplary",
        POST,
        REVIEWERS_DONE,
        FOLLOWED,
        data=lambda world: {"exemplaire": "1"},
    ),
    _case("federation:review", GET, REVIEWERS, SUBMITTED),
    _case("federation:decide", GET, REVIEWERS_POST_ONLY, SUBMITTED),
    _case(
        "federation:decide",
        POST,
        REVIEWERS_DONE,
        SUBMITTED,
        label="modifications",
        data=lambda world: {
            "decision": "modifications",
            "message": "Précisez le calendrier.",
            "remarque_1": "Quelle date ?",
        },
    ),
    _case(
        "federation:decide",
        POST,
        REVIEWERS_DONE,
        SUBMITTED,
        label="valider",
        data=lambda world: {"decision": "valider", "message": ""},
    ),
    _case("federation:save_review", GET, REVIEWERS_POST_ONLY, SUBMITTED),
    _case(
        "federation:save_review",
        POST,
        REVIEWERS_DONE,
        SUBMITTED,
        data=lambda world: {"message": "À reprendre.", "remarque_1": "Quelle date ?"},
    ),
    _case("federation:add_note", GET, REVIEWERS_POST_ONLY, SUBMITTED),
    _case(
        "federation:add_note",
        POST,
        REVIEWERS_DONE,
        SUBMITTED,
        data=lambda world: {"text": "Appeler la directrice."},
    ),
    _case("federation:reopening_accept", GET, REVIEWERS_POST_ONLY, REOPENING),
    _case("federation:reopening_accept", POST, REVIEWERS_DONE, REOPENING),
    _case("federation:reopening_decline", GET, REVIEWERS, REOPENING),
    _case(
        "federation:reopening_decline",
        POST,
        REVIEWERS_DONE,
        REOPENING,
        data=lambda world: {"reason": "Attendez la prochaine campagne."},
    ),
    _case("federation:remind", GET, REVIEWERS_POST_ONLY, A),
    _case("federation:remind", POST, REVIEWERS_DONE, A),
    _case("federation:reopen", GET, REVIEWERS, VALIDATED),
    _case(
        "federation:reopen",
        POST,
        REVIEWERS_DONE,
        VALIDATED,
        data=lambda world: {"message": "Mise à jour annuelle."},
    ),
    *[
        Case(
            id=f"federation:export[{kind}.{fmt}]-GET",
            url=lambda world, kind=kind, fmt=fmt: (
                reverse("federation:export", kwargs={"kind": kind, "fmt": fmt})
                + f"?campagne={world.submitted.campaign.slug}"
            ),
            method=GET,
            outcomes=REVIEWERS,
        )
        for kind in ("selections", "projets")
        for fmt in ("csv", "xlsx")
    ],
    # The accounts pages that need a session.
    _case("accounts:password_change", GET, LOGGED_IN),
    _case(
        "accounts:password_change",
        POST,
        LOGGED_IN_DONE,
        data=lambda world: {
            "old_password": factories.PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    ),
    _case("accounts:password_change_done", GET, LOGGED_IN),
    # "Mon compte": everyone's own account, nobody else's.
    _case("accounts:account", GET, LOGGED_IN),
    _case(
        "accounts:account",
        POST,
        LOGGED_IN_DONE,
        data=lambda world: {"first_name": "Camille", "last_name": "Durand"},
    ),
    _case("accounts:email_change", GET, outcomes(LOGIN, *[NOT_ALLOWED] * 5)),
    _case(
        "accounts:email_change",
        POST,
        LOGGED_IN_DONE,
        data=lambda world: {"email": "nouvelle-adresse@example.org"},
    ),
    # A link that is not one of ours: the page says so, and nothing changes.
    _case("accounts:email_confirm", GET, LOGGED_IN, lambda world: "faux-jeton"),
    _case("accounts:email_confirm", POST, LOGGED_IN, lambda world: "faux-jeton"),
    _case("accounts:logout_everywhere", GET, LOGGED_IN),
    _case("accounts:logout_everywhere", POST, LOGGED_IN_DONE),
    _case("accounts:data_export", GET, LOGGED_IN),
    # Notifications: each person's own list; someone else's notification is a 404.
    _case("accounts:notifications", GET, LOGGED_IN),
    _case("accounts:notifications", POST, outcomes(LOGIN, *[NOT_ALLOWED] * 5)),
    _case(
        "accounts:notification_open",
        GET,
        outcomes(LOGIN, NOT_FOUND, REDIRECT, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        NOTIFICATION,
    ),
    _case("accounts:notifications_read", GET, outcomes(LOGIN, *[NOT_ALLOWED] * 5)),
    _case("accounts:notifications_read", POST, LOGGED_IN_DONE),
    # Each person's own notification settings: saved, or the form again with its errors.
    _case("accounts:notification_settings", GET, LOGGED_IN),
    _case(
        "accounts:notification_settings",
        POST,
        LOGGED_IN_DONE,
        data=lambda world: dict.fromkeys(Kind.values, "daily"),
    ),
    _case("accounts:notification_settings", POST, LOGGED_IN, label="incomplet"),
    # The expiry notice's button: signed-in users only, by POST.
    _case(
        "accounts:session_keep_alive",
        GET,
        outcomes(LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    ),
    _case("accounts:session_keep_alive", POST, LOGGED_IN),
    # The second factor: without a device yet, the code page sends to pairing one.
    _case("accounts:second_factor", GET, LOGGED_IN_DONE),
    _case("accounts:second_factor", POST, LOGGED_IN_DONE, data=lambda world: {"code": "1"}),
    _case("accounts:second_factor_setup", GET, LOGGED_IN),
    _case(
        "accounts:second_factor_setup",
        POST,
        outcomes(LOGIN, *[400] * 5),
        data=lambda world: {"code": "000000"},
    ),
]


# --- The admin -----------------------------------------------------------------------

# What administrators may not do by hand, and so get a 403 for.
ADMIN_REFUSES = {
    # Selections are opened by the workflow only.
    "commitments.selection": {"add"},
    # The record of who moved what, and the remarks given with it, is never rewritten.
    "commitments.transition": {"add", "change"},
    "commitments.remark": {"add", "change"},
    # Reopening requests, saved reviews and internal notes come from the review pages.
    "commitments.reopeningrequest": {"add", "change"},
    "commitments.reviewdraft": {"add", "change"},
    "commitments.internalnote": {"add", "change"},
    # Progress updates move through their state machine, from the workspace and the queue.
    "commitments.progressupdate": {"add", "change"},
    # Notifications are written with the e-mails of the moves: read, or deleted.
    "commitments.notification": {"add", "change"},
    # Documents are made by the code from published content: read, or deleted (remade).
    "documents.cooperativedocument": {"add", "change"},
    "documents.synthesisjob": {"add", "change"},
    # A mapping onto the catalogue is a record: added through its service, never rewritten.
    "commitments.indicatormapping": {"change"},
    # Login attempts are recorded by django-axes, not typed in.
    "axes.accessattempt": {"add"},
    "axes.accesslog": {"add"},
    "axes.accessfailurelog": {"add"},
    # Queued tasks (the e-mails) are written by the code and read by administrators.
    "django_tasks_database.dbtaskresult": {"add", "change", "delete"},
    # An invitation sent is a record: resent or revoked (actions), never edited.
    "coops.invitation": {"change"},
    # The teams' history is written by the services of coops.team and coops.invitations.
    "coops.teamevent": {"add", "change"},
}
# Deleting these is refused with the list of what depends on them (a 200 page).
ADMIN_PROTECTED = {
    "commitments.pillar",
    "commitments.engagement",
    "commitments.campaign",
    # Indicators linked to it and the record of their mappings keep it.
    "commitments.catalogueindicator",
}
# Fully read-only forms: a POST saves nothing and goes back to the list.
ADMIN_NOTHING_TO_EDIT = {"axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}


def _admin_object(label):
    return lambda world: world.admin_objects[label].pk


def _admin_history_id(label):
    return lambda world: world.admin_objects[label].history.latest().history_id


def _admin_case(name, method, outcome, *args, data=None, query="", label=""):
    return _case(name, method, administrators(outcome), *args, data=data, query=query, label=label)


def _model_admin_cases(model):
    label = model._meta.label_lower
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    obj = _admin_object(label)
    refused = ADMIN_REFUSES.get(label, set())
    add = FORBIDDEN if "add" in refused else OK
    if "change" in refused:
        change = FORBIDDEN
    elif label in ADMIN_NOTHING_TO_EDIT:
        change = REDIRECT
    else:
        # An empty form is sent back with its errors.
        change = OK
    if "delete" in refused:
        # No delete action either: the list has no box to tick.
        bulk_delete, delete_page, delete = [], FORBIDDEN, FORBIDDEN
    else:
        # The bulk delete action first asks for confirmation.
        bulk_delete = [
            _admin_case(
                f"{name}_changelist",
                POST,
                OK,
                data=lambda world: {"action": "delete_selected", "_selected_action": [obj(world)]},
            )
        ]
        delete_page, delete = OK, OK if label in ADMIN_PROTECTED else REDIRECT
    return [
        _admin_case(f"{name}_changelist", GET, OK),
        *bulk_delete,
        _admin_case(f"{name}_add", GET, add),
        _admin_case(f"{name}_add", POST, add),
        _admin_case(f"{name}_change", GET, OK, obj),
        _admin_case(f"{name}_change", POST, change, obj),
        _admin_case(f"{name}_history", GET, OK, obj),
        _admin_case(f"{name}_delete", GET, delete_page, obj),
        _admin_case(f"{name}_delete", POST, delete, obj, data=lambda world: {"post": "yes"}),
        # The bare object URL (an unnamed pattern) redirects to its change page.
        Case(
            id=f"{name}_object-GET",
            url=lambda world: reverse(f"{name}_changelist") + f"{obj(world)}/",
            method=GET,
            outcomes=administrators(REDIRECT),
        ),
    ]


AUTOCOMPLETE_QUERY = "?app_label=commitments&model_name=project&field_name=choice&term=Projet"


ADMIN_CASES = [
    _admin_case("admin:index", GET, OK),
    _admin_case("admin:app_list", GET, OK, lambda world: "coops"),
    _admin_case("admin:password_change", GET, OK),
    _admin_case("admin:password_change", POST, OK),
    _admin_case("admin:password_change_done", GET, OK),
    _admin_case("admin:autocomplete", GET, OK, query=AUTOCOMPLETE_QUERY),
    _admin_case("admin:jsi18n", GET, OK),
    _admin_case(
        "admin:view_on_site",
        GET,
        REDIRECT,
        lambda world: ContentType.objects.get_for_model(world.coop_a).pk,
        lambda world: world.coop_a.pk,
    ),
    # Whoever is not an administrator is sent back to the admin's index, logged in or
    # not; the administrator is logged out and sent to the home page.
    _case("admin:logout", GET, outcomes(*[REDIRECT] * (len(COLUMNS) - 1), NOT_ALLOWED)),
    _case("admin:logout", POST, outcomes(*[REDIRECT] * len(COLUMNS))),
    # Any other address under /admin/: the login page first, so that nothing is revealed.
    Case(
        id="admin:catch_all-GET",
        url=lambda world: reverse("admin:index") + "nulle-part/",
        method=GET,
        outcomes=administrators(NOT_FOUND),
    ),
    # A device's secret is never shown, not even to administrators.
    *[
        _admin_case(
            f"admin:otp_totp_totpdevice_{view}",
            GET,
            FORBIDDEN,
            _admin_object("otp_totp.totpdevice"),
        )
        for view in ("config", "qrcode")
    ],
    _admin_case("admin:auth_user_password_change", GET, OK, _admin_object("auth.user")),
    _admin_case("admin:auth_user_password_change", POST, OK, _admin_object("auth.user")),
    *[
        case
        for label in (
            "commitments.project",
            "commitments.choice",
            "commitments.measurement",
            "commitments.catalogueindicator",
        )
        for case in (
            _admin_case(
                f"admin:{label.replace('.', '_')}_simple_history",
                method,
                OK,
                _admin_object(label),
                _admin_history_id(label),
            )
            for method in (GET, POST)
        )
    ],
    # Progress updates and mappings onto the catalogue are read-only in the
    # admin: a past version is shown, never saved back.
    *[
        _admin_case(
            f"admin:{label.replace('.', '_')}_simple_history",
            method,
            outcome,
            _admin_object(label),
            _admin_history_id(label),
        )
        for label in ("commitments.progressupdate", "commitments.indicatormapping")
        for method, outcome in ((GET, OK), (POST, FORBIDDEN))
    ],
    *[case for model in admin.site._registry for case in _model_admin_cases(model)],
]

CASES = PORTAL_CASES + ADMIN_CASES


# --- Public URLs ---------------------------------------------------------------------

_PUBLISHED = "published content only, open to anyone (the public)"
_OPEN_DATA = "open data of the published projects, read-only, under an open licence"
_ACCOUNT = "reaching one's account starts before logging in"
_TRUST = "who runs the portal and how, for anyone, before any account (legal notice, RGAA)"

# Every URL open to anyone, and why.
PUBLIC = {
    "public:home": _PUBLISHED,
    "public:engagement": _PUBLISHED,
    "public:cooperatives": _PUBLISHED,
    "public:cooperative": _PUBLISHED,
    "public:cooperative_cycle": _PUBLISHED + " (a past or current cycle: validated, once public)",
    "public:project": _PUBLISHED,
    "public:feed": _PUBLISHED + " (the Atom feed of published progress updates)",
    "public:cooperative_feed": _PUBLISHED + " (a cooperative's Atom feed)",
    "public:engagement_feed": _PUBLISHED + " (an engagement's Atom feed)",
    "documents:cooperative_pdf": _PUBLISHED + " (the PDF of the published selection)",
    "public:project_evidence": _PUBLISHED + " (a file its cooperative marked public; "
    "private files and unpublished versions are a 404, tested in test_public_evidence)",
    "discovery:projects": _PUBLISHED,
    "discovery:statistics": _PUBLISHED,
    "discovery:network": _PUBLISHED + " (published catalogue values, added up)",
    "discovery:opendata": _OPEN_DATA,
    "discovery:opendata_csv": _OPEN_DATA,
    "discovery:opendata_json": _OPEN_DATA,
    "discovery:opendata_dataset_csv": _OPEN_DATA,
    "discovery:opendata_dataset_csv_comma": _OPEN_DATA,
    "discovery:opendata_dataset_json": _OPEN_DATA,
    "discovery:opendata_schema": _OPEN_DATA + " (the Table Schema of each CSV)",
    "discovery:opendata_schema_comma": _OPEN_DATA + " (the Table Schema of each comma CSV)",
    "discovery:opendata_datapackage": _OPEN_DATA + " (the Data Package of every CSV)",
    "discovery:opendata_catalogue": _OPEN_DATA + " (the DCAT catalogue data portals harvest)",
    "discovery:api_docs": _OPEN_DATA,
    "discovery:openapi": _OPEN_DATA,
    "discovery:api_engagements": _OPEN_DATA,
    "discovery:api_engagement": _OPEN_DATA,
    "discovery:api_cooperatives": _OPEN_DATA,
    "discovery:api_cooperative": _OPEN_DATA,
    "discovery:api_projects": _OPEN_DATA,
    "discovery:api_project": _OPEN_DATA,
    "discovery:api_network": _OPEN_DATA,
    "discovery:api_not_found": "the API's JSON 404 for any other address under /api/",
    "discovery:sitemap": "search engines: the public pages' addresses",
    "discovery:sitemap_projects": "search engines: the published projects' pages",
    "discovery:sitemap_index": "search engines: where every sitemap is",
    "discovery:robots": "search engines: which areas to keep out of",
    "trust:about": _TRUST,
    "trust:faq": _TRUST,
    "trust:guide": _TRUST,
    "trust:legal": _TRUST,
    "trust:contact": _TRUST,
    "trust:accessibility": _TRUST,
    "trust:accessibility_grid": "the accessibility audit's grid, the declaration's evidence",
    "trust:favicon": "browsers fetch the site's mark unprompted, for any page",
    "accounts:login": _ACCOUNT,
    "accounts:logout": "anyone may end their session",
    "accounts:privacy": "what the portal keeps about people is told before one has an account",
    "accounts:password_reset": _ACCOUNT,
    "accounts:password_reset_done": _ACCOUNT,
    "accounts:password_reset_confirm": _ACCOUNT + " (the emailed token is the credential)",
    "accounts:password_reset_complete": _ACCOUNT,
    "accounts:invitation": "joining starts before having an account: the emailed token is the "
    "credential, as for a password reset; only its addressee may accept (tested below)",
    "accounts:invitation_renewal": "from a dead invitation link, asking whoever invited for a "
    "new one (the token again is the credential; asked once per link)",
    "admin:login": "the admin's own login form, where every other admin URL sends visitors",
    "healthz": "load balancers and monitoring probe it without a session",
    "readyz": "load balancers ask it whether to send traffic, without a session",
    "switch_language": "anyone chooses the interface language (a cookie, nothing stored)",
}


def _published_project(world):
    return Project.objects.filter(choice__selection=world.validated).first().pk


# (id, url, method): every public URL, requested once by every role.
PUBLIC_VISITS = [
    ("public:home", named("public:home"), GET),
    ("public:engagement", named("public:engagement", ENGAGEMENT_1), GET),
    ("public:cooperatives", named("public:cooperatives"), GET),
    ("public:cooperative", named("public:cooperative", A), GET),
    (
        "public:cooperative_cycle",
        named("public:cooperative_cycle", A, lambda world: world.validated.campaign.slug),
        GET,
    ),
    ("public:project", named("public:project", _published_project), GET),
    ("public:feed", named("public:feed"), GET),
    ("public:cooperative_feed", named("public:cooperative_feed", A), GET),
    ("public:engagement_feed", named("public:engagement_feed", ENGAGEMENT_1), GET),
    ("documents:cooperative_pdf", named("documents:cooperative_pdf", A), GET),
    (
        "public:project_evidence",
        named(
            "public:project_evidence",
            lambda world: world.followed.pk,
            lambda world: world.public_evidence.pk,
        ),
        GET,
    ),
    ("discovery:projects", named("discovery:projects", query="?q=projet"), GET),
    ("discovery:statistics", named("discovery:statistics"), GET),
    ("discovery:network", named("discovery:network"), GET),
    ("discovery:opendata", named("discovery:opendata"), GET),
    ("discovery:opendata_csv", named("discovery:opendata_csv"), GET),
    ("discovery:opendata_json", named("discovery:opendata_json"), GET),
    (
        "discovery:opendata_dataset_csv",
        named("discovery:opendata_dataset_csv", lambda world: "points-etape"),
        GET,
    ),
    (
        "discovery:opendata_dataset_csv_comma",
        named("discovery:opendata_dataset_csv_comma", lambda world: "indicateurs"),
        GET,
    ),
    (
        "discovery:opendata_dataset_json",
        named("discovery:opendata_dataset_json", lambda world: "mesures"),
        GET,
    ),
    (
        "discovery:opendata_schema",
        named("discovery:opendata_schema", lambda world: "projets"),
        GET,
    ),
    (
        "discovery:opendata_schema_comma",
        named("discovery:opendata_schema_comma", lambda world: "mesures"),
        GET,
    ),
    ("discovery:opendata_datapackage", named("discovery:opendata_datapackage"), GET),
    ("discovery:opendata_catalogue", named("discovery:opendata_catalogue"), GET),
    ("discovery:api_docs", named("discovery:api_docs"), GET),
    ("discovery:openapi", named("discovery:openapi"), GET),
    ("discovery:api_engagements", named("discovery:api_engagements"), GET),
    ("discovery:api_engagement", named("discovery:api_engagement", ENGAGEMENT_1), GET),
    ("discovery:api_cooperatives", named("discovery:api_cooperatives"), GET),
    ("discovery:api_cooperative", named("discovery:api_cooperative", A), GET),
    ("discovery:api_projects", named("discovery:api_projects"), GET),
    ("discovery:api_project", named("discovery:api_project", _published_project), GET),
    ("discovery:api_network", named("discovery:api_network"), GET),
    ("discovery:api_not_found", named("discovery:api_not_found", lambda world: "rien/"), GET),
    ("discovery:sitemap", named("discovery:sitemap"), GET),
    ("discovery:sitemap_projects", named("discovery:sitemap_projects"), GET),
    ("discovery:sitemap_index", named("discovery:sitemap_index"), GET),
    ("discovery:robots", named("discovery:robots"), GET),
    ("trust:about", named("trust:about"), GET),
    ("trust:faq", named("trust:faq"), GET),
    ("trust:guide", named("trust:guide"), GET),
    ("trust:legal", named("trust:legal"), GET),
    ("trust:contact", named("trust:contact"), GET),
    ("trust:accessibility", named("trust:accessibility"), GET),
    ("trust:accessibility_grid", named("trust:accessibility_grid"), GET),
    ("trust:favicon", named("trust:favicon"), GET),
    ("accounts:login", named("accounts:login"), GET),
    ("accounts:logout", named("accounts:logout"), POST),
    ("accounts:privacy", named("accounts:privacy"), GET),
    ("accounts:password_reset", named("accounts:password_reset"), GET),
    ("accounts:password_reset_done", named("accounts:password_reset_done"), GET),
    (
        "accounts:password_reset_confirm",
        named("accounts:password_reset_confirm", lambda world: "MQ", lambda world: "faux-jeton"),
        GET,
    ),
    ("accounts:password_reset_complete", named("accounts:password_reset_complete"), GET),
    ("accounts:invitation", named("accounts:invitation", lambda world: "faux-jeton"), GET),
    (
        "accounts:invitation_renewal",
        named("accounts:invitation_renewal", lambda world: "faux-jeton"),
        POST,
    ),
    ("admin:login", named("admin:login"), GET),
    ("healthz", named("healthz"), GET),
    ("readyz", named("readyz"), GET),
    ("switch_language", named("switch_language", lambda world: "en", query="?next=/"), GET),
]


# --- Enumerating the URLconf ---------------------------------------------------------


def _join(prefix, route):
    # As Django joins routes in ResolverMatch.route: without the inner "^".
    return prefix + route.removeprefix("^") if prefix else route


def url_patterns(patterns=None, prefix="", namespace=""):
    """(key, route) of every URL pattern: its namespaced name, or its route if unnamed."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        route = _join(prefix, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, route, inner)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", route
        else:
            yield route, route


def pattern_key(path):
    """The key of the pattern that serves ``path``, as ``url_patterns`` names it."""
    match = resolve(path.split("?")[0])
    return match.view_name if match.url_name else match.route


def test_it_enumerates_the_admin_and_every_area():
    keys = {key for key, _route in url_patterns()}

    assert {"public:home", "workspace:submit", "federation:decide", "healthz"} <= keys
    assert {"admin:index", "admin:commitments_project_change", "admin:login"} <= keys
    assert "admin/commitments/project/<path:object_id>/" in keys
    # Roughly 150 patterns: each of them must be accounted for below.
    assert len(keys) > 100


def test_it_covers_every_url_pattern(db, world):
    covered = {pattern_key(case.url(world)) for case in CASES}
    visited = {pattern_key(url(world)) for _id, url, _method in PUBLIC_VISITS}
    patterns = dict(url_patterns())

    uncovered = sorted(set(patterns) - covered - set(PUBLIC))

    assert not uncovered, (
        "These URL patterns are neither in PUBLIC (with a reason) nor in the access matrix: "
        + ", ".join(f"{key} ({patterns[key]})" for key in uncovered)
    )
    assert set(PUBLIC) <= set(patterns), "PUBLIC names patterns that no longer exist"
    assert visited == set(PUBLIC), "every public URL is visited by every role"
    assert not covered & set(PUBLIC), "a URL is either public or in the matrix"


def _check(response, outcome, path):
    if outcome == LOGIN:
        assert_login_redirect(response, reverse("accounts:login"), path)
    elif outcome == ADMIN_LOGIN:
        assert_login_redirect(response, reverse("admin:login"), path)
    elif outcome == REDIRECT:
        assert response.status_code == 302, response.status_code
        location = response["Location"]
        assert not location.startswith((reverse("accounts:login"), reverse("admin:login")))
    else:
        assert response.status_code == outcome, response.status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_it_applies_the_access_rules(as_role, world, case, role):
    client = as_role(role)
    path = case.url(world)
    outcome = case.outcomes[role]
    refused_write = case.method == POST and outcome in REFUSALS
    before = database_snapshot() if refused_write else None

    response = getattr(client, case.method)(path, case.data(world))

    _check(response, outcome, path)
    if refused_write:
        assert database_snapshot() == before
    if role in ("staff_b", "reviewer", "admin", EXPIRED_GUEST) and outcome in (
        NOT_FOUND,
        REDIRECT,
    ):
        # Nothing of A leaks to those outside it, not even its name or address.
        assert world.coop_a.name not in response.content.decode()
        assert f"/espace/{world.coop_a.slug}/" not in response.get("Location", "")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("url", "method"),
    [pytest.param(url, method, id=f"{key}-{method.upper()}") for key, url, method in PUBLIC_VISITS],
)
def test_it_serves_public_urls_to_every_role(as_role, world, url, method, role):
    client = as_role(role)
    client.raise_request_exception = False

    response = getattr(client, method)(url(world))

    assert response.status_code < 500
    # Open to all: nobody is asked to log in first.
    location = response.get("Location", "")
    assert not location.startswith((reverse("accounts:login"), reverse("admin:login")))


FEEDS = ("public:feed", "public:cooperative_feed", "public:engagement_feed")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url",
    [pytest.param(url, id=key) for key, url, _method in PUBLIC_VISITS if key in FEEDS],
)
def test_it_serves_the_feeds_to_every_role(as_role, world, url, role):
    """A feed reader is nobody in particular: the same feed for every role."""
    response = as_role(role).get(url(world))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")


# --- Cases the matrix cannot express: objects reached through someone else's URL -----


MATRIX_TOKEN = "jeton-de-la-matrice"


def _invitation_link(world):
    """The link of Camille's invitation to A, with a token the test knows."""
    Invitation.objects.filter(pk=INVITATION(world)).update(token_hash=hash_token(MATRIX_TOKEN))
    return reverse("accounts:invitation", args=[MATRIX_TOKEN])


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_nobody_but_the_invitee_take_up_an_invitation(as_role, world, role):
    """A pending invitation's link shows what it invites to; accepting it is its addressee's.

    Anyone else signed in is refused (403); an anonymous visitor meets the
    account form, which an empty POST does not get past.
    """
    client = as_role(role)
    url = _invitation_link(world)
    assert client.get(url).status_code == 200
    before = database_snapshot()

    response = client.post(url, {})

    assert response.status_code == (200 if role == "anonymous" else FORBIDDEN)
    assert database_snapshot() == before


def test_it_lets_the_invitee_in(db, client, world):
    camille = factories.make_user("camille")
    client.force_login(camille)
    url = _invitation_link(world)

    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:dashboard", args=[world.coop_a.slug])
    assert Membership.objects.get(user=camille, cooperative=world.coop_a).role == "contributor"
    assert client.get(url).status_code == 200  # now a used link, which says so
    assert "déjà servi" in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("method", "name"),
    [
        (GET, "project_edit"),
        (POST, "project_edit"),
        (GET, "project_delete"),
        (POST, "project_delete"),
        (POST, "project_move"),
    ],
)
def test_it_hides_a_project_of_b_behind_a_slug(as_role, world, method, name):
    """Alice may not reach B's project by putting its id after her own cooperative."""
    client = as_role("referent_a")
    project_b = Project.objects.get(choice__selection=world.draft_b)
    data = {**PROJECT_DATA, "version": str(project_b.version), "direction": "up"}
    before = database_snapshot()

    response = getattr(client, method)(
        reverse(f"workspace:{name}", args=[world.coop_a.slug, project_b.pk]), data
    )

    assert response.status_code == 404
    assert database_snapshot() == before


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("name", ["project_edit", "project_delete"])
def test_it_hides_a_project_of_an_older_selection_of_a(as_role, world, name, method):
    """Only the working selection is editable: the validated one's projects are out of reach."""
    client = as_role("referent_a")
    old_project = Project.objects.filter(choice__selection=world.validated).first()
    before = database_snapshot()

    response = getattr(client, method)(
        reverse(f"workspace:{name}", args=[world.coop_a.slug, old_project.pk]),
        {**PROJECT_DATA, "version": str(old_project.version)},
    )

    assert response.status_code == 404
    assert database_snapshot() == before


@pytest.mark.parametrize("tampered", ["13", "0", "-1", "douze", "1; DROP TABLE"])
def test_it_refuses_engagement_numbers_outside_1_to_12(as_role, world, tampered):
    client = as_role("referent_a")

    response = client.post(
        reverse("workspace:choose", args=[world.coop_a.slug]), {"engagements": ["1", tampered]}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["engagements"]
    assert any("n'est pas" in error for error in errors)
    assert 'id="erreurs-engagements"' in response.content.decode()
    assert sorted(world.draft.choices.values_list("engagement__number", flat=True)) == [1, 2]
    assert Engagement.objects.count() == 12
