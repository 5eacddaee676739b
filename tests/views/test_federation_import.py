"""The import page: administrators only, a dry run first, then the import as read.

The file is read and applied by the task worker (run at once in the tests,
once the request's transaction commits): the upload answers with the job's
page, which follows it.
"""

import io

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from coops import import_jobs, importing
from coops.models import Cooperative, CooperativeImport, Invitation
from qualicoop.lib import upload_jobs
from tests import factories
from tests.security.support import database_snapshot

pytestmark = pytest.mark.django_db

PAGE = reverse("federation:import")
FILE = (
    "\ufeffnom;region;site_web;email_referent\n"
    "Coopérative Gamma;Normandie;gamma.coop;gilles@gamma.coop\n"
    "Coopérative Delta;Occitanie;;pas-une-adresse\n"
)


def upload(text=FILE, name="cooperatives.csv"):
    return {"fichier": SimpleUploadedFile(name, text.encode())}


@pytest.fixture
def admin(db):
    return User.objects.create_superuser("sophie", "sophie@example.org", "x", first_name="Sophie")


@pytest.fixture
def signed_in(client, admin):
    client.force_login(admin)
    return client


def _portal_data():
    """The database, but the import jobs themselves (an upload keeps its file)."""
    snapshot = database_snapshot()
    del snapshot["coops.cooperativeimport"]
    return snapshot


@pytest.fixture
def worker(django_capture_on_commit_callbacks):
    """The tasks queued by a request, run as its transaction commits."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def dry_run(client, worker, data=None):
    """The upload, then the job's page it sends to, the worker done."""
    sent = worker(client.post, PAGE, data or upload())
    assert sent.status_code == 302
    return client.get(sent["Location"])


def apply(client, worker, job=None):
    """The import of the (latest) dry run, then the job's page."""
    job = job or CooperativeImport.objects.first()
    sent = worker(client.post, reverse("federation:import_job_apply", args=[job.pk]))
    assert sent.status_code == 302
    return client.get(sent["Location"])


def test_the_page_explains_the_columns(signed_in):
    html = signed_in.get(PAGE).content.decode()

    assert "Importer des coopératives et leurs référents" in html
    assert "<code>email_referent</code>" in html
    assert "l'import n'efface rien" in html


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_page_offers_a_template_that_the_import_reads_as_it_is(signed_in, worker, kind):
    url = reverse(f"federation:import_template_{kind}")
    assert f'href="{url}"' in signed_in.get(PAGE).content.decode()

    response = signed_in.get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="modele-import-cooperatives.{kind}"'
    )
    template = b"".join(response.streaming_content) if response.streaming else response.content
    if kind == "csv":
        assert template.decode() == '\ufeff"nom";"region";"site_web";"presentation";' + (
            '"email_referent";"slug"\r\n'
        )
    else:
        sheet = load_workbook(io.BytesIO(template)).active
        assert [cell.value for cell in next(sheet.iter_rows())] == list(importing.COLUMNS)
        # Filled in with one cooperative, the template passes the dry run.
        sheet.append(["Coopérative Epsilon", "Bretagne", "", "", "", ""])
        filled = io.BytesIO()
        sheet.parent.save(filled)
        report = dry_run(
            signed_in,
            worker,
            {"fichier": SimpleUploadedFile("modele.xlsx", filled.getvalue())},
        ).content.decode()
        assert "Coopérative Epsilon" in report and "créée" in report


def test_the_dry_run_reports_line_by_line_and_writes_nothing(signed_in, worker):
    before = _portal_data()

    response = dry_run(signed_in, worker)

    assert _portal_data() == before
    assert mail.outbox == []
    html = response.content.decode()
    assert "Essai à blanc de « cooperatives.csv »" in html
    assert "créée" in html and "refusée" in html
    assert "adresse e-mail invalide : « pas-une-adresse »." in html
    assert "gilles@gamma.coop — invitation à envoyer" in html
    assert "Importer maintenant" in html


def test_the_import_does_what_the_dry_run_said(signed_in, admin, worker):
    dry_run(signed_in, worker)

    response = apply(signed_in, worker)

    html = response.content.decode()
    assert "Import terminé" in html
    assert "gilles@gamma.coop — invitation envoyée" in html
    assert list(Cooperative.objects.values_list("name", flat=True)) == ["Coopérative Gamma"]
    assert [message.to for message in mail.outbox] == [["gilles@gamma.coop"]]
    assert Invitation.objects.get().invited_by == admin


def test_the_same_file_again_changes_nothing(signed_in, worker):
    dry_run(signed_in, worker)
    apply(signed_in, worker)
    mail.outbox.clear()
    before = _portal_data()

    again = dry_run(signed_in, worker)

    assert "Ce fichier ne changerait rien" in again.content.decode()
    apply(signed_in, worker)
    assert _portal_data() == before
    assert mail.outbox == []


def test_someone_elses_dry_run_is_not_theirs(signed_in, admin, worker):
    dry_run(signed_in, worker)
    job = CooperativeImport.objects.get()
    someone_else = User.objects.create_superuser("marc", "marc@example.org", "x")
    before = database_snapshot()
    signed_in.force_login(someone_else)

    page = signed_in.get(reverse("federation:import_job", args=[job.pk]))
    applied = worker(signed_in.post, reverse("federation:import_job_apply", args=[job.pk]))

    assert page.status_code == applied.status_code == 404
    assert database_snapshot() == before


def test_a_dry_run_is_imported_once(signed_in, worker):
    dry_run(signed_in, worker)
    apply(signed_in, worker)

    again = apply(signed_in, worker)

    assert "n&#x27;est plus à importer" in again.content.decode()
    assert Cooperative.objects.count() == 1


def test_a_plan_the_database_overtook_is_shown_again(signed_in, worker):
    dry_run(signed_in, worker)
    Cooperative.objects.create(name="Coopérative Gamma", slug="cooperative-gamma")

    response = apply(signed_in, worker)

    html = response.content.decode()
    assert "Les données ont changé depuis l&#x27;essai" in html
    assert "mise à jour" in html
    assert not Invitation.objects.exists()
    assert CooperativeImport.objects.get().state == CooperativeImport.State.READ
    assert "Importer maintenant" in html


def test_the_upload_answers_with_the_page_that_follows_the_worker(signed_in, settings):
    # A real queue: the task waits for the worker, the page waits with it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    sent = signed_in.post(PAGE, upload())

    job = CooperativeImport.objects.get()
    assert sent["Location"] == reverse("federation:import_job", args=[job.pk])
    page = signed_in.get(sent["Location"]).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "Lecture du fichier en cours" in page
    assert import_jobs.read_job(job.pk) == CooperativeImport.State.READ
    assert (
        "Essai à blanc de « cooperatives.csv »" in signed_in.get(sent["Location"]).content.decode()
    )


def test_a_workbook_refused_by_the_worker_says_why(signed_in, worker):
    response = dry_run(signed_in, worker, upload("pas un classeur", name="cooperatives.xlsx"))

    assert "Ce fichier .xlsx est illisible" in response.content.decode()
    assert CooperativeImport.objects.get().state == CooperativeImport.State.FAILED
    assert not Cooperative.objects.exists()


def test_uploads_are_limited_per_person(signed_in, worker):
    for _ in range(upload_jobs.UPLOADS_PER_MINUTE):
        dry_run(signed_in, worker)

    refused = worker(signed_in.post, PAGE, upload())

    assert refused.status_code == 200
    assert any(
        "attendez une minute" in error for error in refused.context["form"].errors["fichier"]
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choisissez le fichier à importer."),
        (upload(name="cooperatives.xlsm"), "macros"),
        (upload(name="cooperatives.pdf"), "Envoyez un fichier .csv ou .xlsx."),
        (upload("x" * (2 * 1024 * 1024 + 1)), "dépasse 2 Mo"),
    ],
    ids=["missing", "macros", "format", "size"],
)
def test_a_refused_file_is_said_next_to_the_field(signed_in, data, message):
    response = signed_in.post(PAGE, data)

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["fichier"])


def test_staff_with_the_right_to_add_cooperatives_may_import(client, db):
    manager = factories.make_user("marie")
    manager.user_permissions.add(Permission.objects.get(codename="add_cooperative"))
    client.force_login(manager)

    assert client.get(PAGE).status_code == 200


def test_reviewers_and_staff_do_not_even_see_it(client, reviewer, staff_a):
    for user in (staff_a, reviewer):
        client.force_login(user)
        assert client.get(PAGE).status_code == 404
    # Not offered in the federation's tabs either.
    assert PAGE not in client.get(reverse("federation:queue")).content.decode()


def test_administrators_find_it_in_the_federations_tabs(signed_in):
    assert PAGE in signed_in.get(reverse("federation:queue")).content.decode()
