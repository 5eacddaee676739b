"""Shared ground for the security tests: cooperative A's whole world, and its people.

``world`` gives cooperative A one object of every kind a URL can point at: a
draft in the current campaign (the workspace's), a submitted selection that
went through a request for changes (the review page, its remarks and its
diff), and a validated, published one (reopening, the public profile).
Cooperative B has its own draft, so that its référent has something to lose.

The matrices run well over a thousand requests against the same objects: the
world is built once per test module, inside a transaction rolled back at the
module's end, and each test runs in a savepoint rolled back after it (what
Django's ``setUpTestData`` does). Whatever a test changes, the next one sees
the world as built.
"""

import datetime
from dataclasses import dataclass

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from commitments import catalogue, progress, spreadsheet_import, spreadsheet_jobs, workflow
from commitments.models import (
    CatalogueIndicator,
    Engagement,
    Evidence,
    FollowUp,
    Indicator,
    Measurement,
    Notification,
    Project,
    ProjectStatus,
    ReopeningRequest,
    Selection,
    SpreadsheetImport,
    SustainableDevelopmentGoal,
    VsmeDisclosure,
)
from coops import import_jobs, invitations
from coops.models import CooperativeImport, Membership
from qualicoop.documents.models import (
    CooperativeDocument,
    RevisionDossier,
    SynthesisJob,
    WorkingDocument,
)
from tests import factories

# Users are created before the per-test settings apply: hash as the tests do.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    coop_a: object
    coop_b: object
    campaign: object  # the current, open campaign
    draft: object  # A's selection in the current campaign
    project: object  # A's first project of engagement 1, in the draft
    submitted: object  # A's submitted selection, in an earlier campaign
    validated: object  # A's validated and published selection, in an older campaign
    draft_b: object
    followed: object  # A's project in the validated selection: its progress journal
    draft_update: object  # a draft update of ``followed``
    submitted_update: object  # an update of ``followed`` waiting for the reviewers
    users: dict  # role -> user; nobody for "anonymous"
    admin_objects: dict  # model label -> an object of A (or about A) to open in the admin
    # A's project of the draft carried from the validated selection (the previous
    # cycle): the carry-forward pages' object.
    carried: object = None
    # Alice's workbook sent back for A's draft, read by the worker: its dry run.
    spreadsheet_job: object = None
    # The administrator's file of cooperatives, read by the worker: its dry run.
    cooperative_import: object = None
    working_document: object = None
    evidence: object = None  # a file of A's draft project (its bytes: ``EVIDENCE_KEY``)
    public_evidence: object = None  # a public file of A's published project
    dossier: object = None  # A's dossier de révision, ready (its bytes: ``EVIDENCE_KEY`` too)


# Where the world's kept files (evidence, PDFs, syntheses, dossier) say their
# bytes are; the matrix writes them into each test's own file store.
EVIDENCE_KEY = "evidence/matrice/piece"


@pytest.fixture(autouse=True)
def _evidence_bytes():
    """The bytes the world's kept files name, in each test's own file store (every page served)."""
    default_storage.save(EVIDENCE_KEY, ContentFile(b"%PDF-1.7 matrice"))


def _evidence(**fields):
    return Evidence.objects.create(
        cooperative=fields.pop("cooperative"),
        key=EVIDENCE_KEY,
        original_name="piece.pdf",
        content_type="application/pdf",
        size=16,
        sha256="0" * 64,
        **fields,
    )


def _submit(selection, campaign):
    # Past campaigns are closed: submit on a day they were open.
    workflow.submit_selection(selection=selection, by=None, today=campaign.opens_on)


def build_world():
    call_command("loaddata", "reference", verbosity=0)
    coop_a = factories.make_coop("Coopérative Alpha")
    coop_b = factories.make_coop("Coopérative Bêta")
    referent_a = factories.make_user("alice", coop=coop_a, first_name="Alice")
    users = {
        "contributor_a": factories.make_user(
            "arthur", coop=coop_a, role=factories.Membership.Role.CONTRIBUTOR, first_name="Arthur"
        ),
        "referent_a": referent_a,
        "contributor_a_own": factories.make_user(
            "agathe", coop=coop_a, role=factories.Membership.Role.CONTRIBUTOR, first_name="Agathe"
        ),
        "staff_b": factories.make_user("bob", coop=coop_b, first_name="Bob"),
        "guest_a": factories.make_guest("gaspard", coop=coop_a, first_name="Gaspard"),
        "guest_a_expired": factories.make_guest(
            "gilles",
            coop=coop_a,
            first_name="Gilles",
            until=timezone.localdate() - datetime.timedelta(days=1),
        ),
        "reviewer": factories.make_reviewer(),
        "admin": User.objects.create_superuser(
            "sophie", "sophie@example.org", factories.PASSWORD, first_name="Sophie"
        ),
    }
    reviewer = users["reviewer"]
    Membership.objects.filter(user=users["contributor_a_own"]).update(own_projects_only=True)
    older = factories.make_campaign("Campagne 2022", open_=False, minimum=1)
    earlier = factories.make_campaign("Campagne 2023", open_=False, minimum=1)
    current = factories.make_campaign("Campagne en cours", minimum=2)

    validated = factories.make_selection(coop_a, older, numbers=[1], prefix="Validé ")
    _submit(validated, older)
    workflow.validate_selection(selection=validated, by=reviewer)

    submitted = factories.make_selection(coop_a, earlier, numbers=[1, 2], prefix="Soumis ")
    _submit(submitted, earlier)
    transition = workflow.request_changes(
        selection=submitted,
        by=reviewer,
        message="Précisez le calendrier.",
        remarks={Engagement.objects.get(number=1): "Quand commence-t-il ?"},
    )
    Project.objects.filter(choice__selection=submitted).update(objectives="Dès janvier.")
    _submit(submitted, earlier)

    draft = factories.make_selection(coop_a, current, numbers=[1, 2], projects_per=2)
    draft_b = factories.make_selection(coop_b, current, numbers=[1], prefix="B ")
    project = Project.objects.filter(choice__selection=draft, choice__engagement__number=1).first()
    Indicator.objects.create(project=project, name="Logements livrés", target_value=120)

    followed = Project.objects.get(choice__selection=validated)
    carried = Project.objects.create(
        choice=project.choice,
        title="Repris du cycle précédent",
        description="Le projet validé, repris dans la nouvelle campagne.",
        lineage=followed.lineage,
        position=9,
    )
    followed_indicator = Indicator.objects.create(project=followed, name="Ménages", target_value=40)
    update_data = {
        "status": ProjectStatus.IN_PROGRESS,
        "reason": "",
        "text": "Premières réunions tenues.",
        "happened_on": current.opens_on,
    }
    draft_update = progress.create_update(
        project=followed,
        data=update_data,
        values=[progress.Value(followed_indicator, 12, current.opens_on)],
        by=referent_a,
    )
    submitted_update = progress.create_update(
        project=followed, data=update_data, by=referent_a, submit=True
    )

    common = CatalogueIndicator.objects.create(
        code="menages-accompagnes", label="Ménages accompagnés", unit="ménages"
    )
    attempt = {"user_agent": "navigateur", "ip_address": "127.0.0.1", "username": "alice"}
    attempt.update(http_accept="text/html", path_info="/compte/connexion/")
    second_factor_user = factories.make_user("deux-facteurs")
    invitation = invitations.invite(
        cooperative=coop_a,
        email="camille@example.org",
        role=Membership.Role.CONTRIBUTOR,
        by=referent_a,
    )
    admin_objects = {
        "auth.group": Group.objects.get(name="Fédération"),
        "auth.user": referent_a,
        "axes.accessattempt": AccessAttempt.objects.create(
            **attempt, get_data="", post_data="", failures_since_start=1
        ),
        "axes.accesslog": AccessLog.objects.create(**attempt),
        "axes.accessfailurelog": AccessFailureLog.objects.create(**attempt),
        "coops.cooperative": coop_a,
        # The contributeur's: Alice is A's only référent, whom the admin keeps.
        "coops.membership": users["contributor_a"].memberships.get(),
        # Camille, invited by Alice to join A, has not answered yet.
        "coops.invitation": invitation,
        "coops.teamevent": coop_a.team_events.get(),
        "commitments.pillar": Engagement.objects.get(number=1).pillar,
        "commitments.engagement": Engagement.objects.get(number=1),
        "commitments.campaign": current,
        "commitments.selection": draft,
        "commitments.choice": project.choice,
        "commitments.project": project,
        "commitments.transition": transition,
        "commitments.remark": transition.remarks.get(),
        # Alice asks to reopen A's published selection; a reviewer's review of the
        # submitted one is saved unsent, next to a note only reviewers read.
        "commitments.reopeningrequest": ReopeningRequest.objects.create(
            selection=validated, message="Nous voulons ajouter un projet.", requested_by=referent_a
        ),
        "commitments.reviewdraft": factories.make_review_draft(
            submitted, reviewer, message="Brouillon d'examen."
        ),
        "commitments.internalnote": factories.make_internal_note(
            submitted, by=reviewer, text="Note interne de la fédération."
        ),
        # The PDF of A's published selection, and a campaign's synthesis, as kept
        # once made (their content is not what the matrix looks at).
        "documents.cooperativedocument": CooperativeDocument.objects.create(
            selection=validated,
            key=EVIDENCE_KEY,
            size=16,
            digest="0" * 64,
            content_as_of=validated.decided_at,
        ),
        "documents.synthesisjob": SynthesisJob.objects.create(
            campaign=current,
            requested_by=reviewer,
            state=SynthesisJob.State.READY,
            progress=100,
            pdf_key=EVIDENCE_KEY,
            xlsx_key=EVIDENCE_KEY,
        ),
        "commitments.sustainabledevelopmentgoal": SustainableDevelopmentGoal.objects.create(
            number=11, name="Villes et communautés durables"
        ),
        "commitments.vsmedisclosure": VsmeDisclosure.objects.create(
            code="B3", title="Énergie et émissions de gaz à effet de serre"
        ),
        "commitments.catalogueindicator": common,
        "commitments.indicatormapping": catalogue.map_indicator(
            indicator=followed_indicator, catalogue=common, by=users["admin"]
        ),
        "commitments.progressupdate": draft_update,
        # Alice's, unread, pointing at A's workspace (the moves above ran in this
        # transaction, whose on-commit notifications never fire).
        "commitments.notification": Notification.objects.create(
            user=referent_a,
            text="La sélection de Coopérative Alpha est validée",
            url=f"/espace/{coop_a.slug}/",
        ),
        # Typed in the admin, hence with a history (values given with an update
        # are written in bulk, without one).
        "commitments.measurement": Measurement.objects.create(
            indicator=followed_indicator, value=3, measured_on=older.opens_on
        ),
        "commitments.followup": FollowUp.objects.create(
            campaign=older, name="Suivi annuel", opens_on=current.opens_on, due_on=current.closes_on
        ),
        # Someone's second factor (not a role of the matrix's: whoever holds one is
        # asked for a code at each sign-in): an authenticator app, recovery codes.
        "otp_totp.totpdevice": TOTPDevice.objects.create(
            user=second_factor_user, name="Application d'authentification"
        ),
        "otp_static.staticdevice": StaticDevice.objects.create(
            user=second_factor_user, name="Codes de secours"
        ),
        # An e-mail to A's référent waiting in the task queue (qualicoop.lib.mail).
        "django_tasks_database.dbtaskresult": DBTaskResult.objects.create(
            task_path="qualicoop.lib.mail.send_email",
            args_kwargs={
                "args": [],
                "kwargs": {"subject": "Rappel", "body": "Bonjour", "to": [referent_a.email]},
            },
            backend_name="default",
        ),
    }
    evidence = _evidence(cooperative=coop_a, project=project, title="Délibération")
    public_evidence = _evidence(
        cooperative=coop_a, project=followed, title="Photo du chantier", public=True
    )
    dossier = RevisionDossier.objects.create(
        cooperative=coop_a,
        requested_by=referent_a,
        state=RevisionDossier.State.READY,
        progress=100,
        key=EVIDENCE_KEY,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    return World(
        dossier=dossier,
        evidence=evidence,
        public_evidence=public_evidence,
        coop_a=coop_a,
        coop_b=coop_b,
        campaign=current,
        draft=Selection.objects.get(pk=draft.pk),
        project=project,
        submitted=Selection.objects.get(pk=submitted.pk),
        validated=Selection.objects.get(pk=validated.pk),
        draft_b=draft_b,
        followed=followed,
        draft_update=draft_update,
        submitted_update=submitted_update,
        users=users,
        admin_objects=admin_objects,
        carried=carried,
        spreadsheet_job=_read_spreadsheet(Selection.objects.get(pk=draft.pk), referent_a),
        cooperative_import=_read_cooperatives(users["admin"]),
        # A's working document, made by the worker after the draft's last change.
        working_document=WorkingDocument.objects.create(
            selection=draft,
            requested_by=referent_a,
            state=WorkingDocument.State.READY,
            pdf_key=EVIDENCE_KEY,
        ),
    )


def _read_cooperatives(owner):
    data = "nom;region;email_referent\nCoopérative Gamma;Normandie;gamma@example.org\n".encode()
    job = CooperativeImport.objects.create(owner=owner, filename="cooperatives.csv", data=data)
    import_jobs.read_job(job.pk)
    job.refresh_from_db()
    return job


def _read_spreadsheet(selection, owner):
    data = spreadsheet_import.workbook(selection)
    job = SpreadsheetImport.objects.create(
        selection=selection, owner=owner, filename="selection.xlsx", data=data
    )
    spreadsheet_jobs.read_job(job.pk)
    job.refresh_from_db()
    return job


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def as_role(db, client, world):
    """Log ``client`` in as one of ``support.ROLES`` (or leave it anonymous) and return it."""

    def login(role):
        if role != "anonymous":
            client.force_login(world.users[role])
        return client

    return login


@pytest.fixture
def axes_on(settings):
    """The real login protection, as in production."""
    settings.AXES_ENABLED = True
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "qualicoop.accounts.backends.SignedInUserBackend",
    ]
