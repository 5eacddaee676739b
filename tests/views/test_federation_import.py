"""The import page: administrators only, a dry run first, then the import as read."""

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coops.models import Cooperative, Invitation
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


def _plan_field(response):
    return response.context["apply_form"].initial["plan"]


def test_the_page_explains_the_columns(signed_in):
    html = signed_in.get(PAGE).content.decode()

    assert "Importer des coopératives et leurs référents" in html
    assert "<code>email_referent</code>" in html
    assert "l'import n'efface rien" in html


def test_the_dry_run_reports_line_by_line_and_writes_nothing(signed_in):
    before = database_snapshot()

    response = signed_in.post(PAGE, upload())

    assert database_snapshot() == before
    assert mail.outbox == []
    html = response.content.decode()
    assert "Essai à blanc de « cooperatives.csv »" in html
    assert "créée" in html and "refusée" in html
    assert "adresse e-mail invalide : « pas-une-adresse »." in html
    assert "gilles@gamma.coop — invitation à envoyer" in html
    assert "Importer maintenant" in html


def test_the_import_does_what_the_dry_run_said(
    signed_in, admin, django_capture_on_commit_callbacks
):
    plan = _plan_field(signed_in.post(PAGE, upload()))

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(PAGE, {"plan": plan})

    html = response.content.decode()
    assert "Import terminé" in html
    assert "gilles@gamma.coop — invitation envoyée" in html
    assert list(Cooperative.objects.values_list("name", flat=True)) == ["Coopérative Gamma"]
    assert [message.to for message in mail.outbox] == [["gilles@gamma.coop"]]
    assert Invitation.objects.get().invited_by == admin


def test_the_same_file_again_changes_nothing(signed_in):
    signed_in.post(PAGE, {"plan": _plan_field(signed_in.post(PAGE, upload()))})
    mail.outbox.clear()
    before = database_snapshot()

    again = signed_in.post(PAGE, upload())

    assert "Ce fichier ne changerait rien" in again.content.decode()
    signed_in.post(PAGE, {"plan": _plan_field(again)})
    assert database_snapshot() == before
    assert mail.outbox == []


def test_a_tampered_or_foreign_plan_is_refused(signed_in, admin):
    plan = _plan_field(signed_in.post(PAGE, upload()))
    someone_else = User.objects.create_superuser("marc", "marc@example.org", "x")
    before = database_snapshot()

    tampered = signed_in.post(PAGE, {"plan": plan[:-3] + "abc"})
    signed_in.force_login(someone_else)
    foreign = signed_in.post(PAGE, {"plan": plan})
    empty = signed_in.post(PAGE, {"plan": ""})

    for response in (tampered, foreign, empty):
        assert "essai à blanc a expiré ou n&#x27;est pas valable" in response.content.decode()
    assert database_snapshot() == before


def test_a_plan_the_database_overtook_is_shown_again(signed_in):
    plan = _plan_field(signed_in.post(PAGE, upload()))
    Cooperative.objects.create(name="Coopérative Gamma", slug="cooperative-gamma")

    response = signed_in.post(PAGE, {"plan": plan})

    html = response.content.decode()
    assert "Les données ont changé depuis l&#x27;essai" in html
    assert "mise à jour" in html
    assert not Invitation.objects.exists()
    assert signing.loads(
        _plan_field(response), salt=f"qualicoop.federation.import:{response.wsgi_request.user.pk}"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choisissez le fichier à importer."),
        (upload(name="cooperatives.xlsm"), "macros"),
        (upload("nom;ville\nA;Caen\n"), "Colonnes inconnues : ville"),
        (upload("x" * (2 * 1024 * 1024 + 1)), "dépasse 2 Mo"),
    ],
    ids=["missing", "macros", "columns", "size"],
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
