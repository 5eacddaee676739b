"""/compte/mes-donnees/: what the portal keeps about the person, as a JSON download."""

import json

from axes.models import AccessLog
from django.urls import reverse
from django.utils import timezone

from commitments import workflow
from commitments.models import Project
from qualicoop.accounts.models import AccountNotice
from tests import factories
from tests.notification_support import choose

URL = reverse("accounts:data_export")


def _download(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.streaming
    return response, json.loads(b"".join(response.streaming_content))


def test_it_downloads_the_account_and_the_memberships(client, staff_a, coop_a):
    client.force_login(staff_a)

    response, data = _download(client)

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="qualicoop-mes-donnees-{staff_a.pk}-'
    )
    assert "no-store" in response["Cache-Control"]
    assert data["compte"]["identifiant"] == "alice"
    assert data["compte"]["prenom"] == "Alice"
    assert data["compte"]["adresse_electronique"] == "alice@example.org"
    assert data["cooperatives"] == [{"cooperative": "Coopérative Alpha", "role": "Référent"}]
    assert data["avertissement_inactivite"] is None
    assert data["changements_de_statut"] == []


def test_it_holds_the_moves_edits_sign_ins_and_notice_of_the_person_only(
    client, campaign, coop_a, staff_a, contributor_a, reviewer
):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9), by=staff_a)
    project = Project.objects.filter(choice__selection=selection).first()
    project.title = "Ateliers d'Alice"
    project._history_user = staff_a  # as the request's middleware records it
    project.save()
    workflow.submit_selection(selection=selection, by=staff_a, message="Bonne lecture !")
    workflow.request_changes(selection=selection, by=reviewer, message="Précisez.")
    AccessLog.objects.create(
        username="alice",
        ip_address="192.0.2.1",
        user_agent="Navigateur d'Alice",
        http_accept="text/html",
        path_info="/compte/connexion/",
    )
    AccessLog.objects.create(
        username="arthur",
        ip_address="192.0.2.2",
        user_agent="Navigateur d'Arthur",
        http_accept="text/html",
        path_info="/compte/connexion/",
    )
    AccountNotice.objects.create(user=staff_a, warned_at=timezone.now())
    factories.make_notification(staff_a, text="Votre sélection est soumise", url="/espace/")
    factories.make_notification(contributor_a, text="Pour Arthur", url="/espace/")
    choose(staff_a, team="weekly")
    choose(contributor_a, team="portal")
    client.force_login(staff_a)

    _response, data = _download(client)

    started, submitted = data["changements_de_statut"]
    assert (started["statut_de_depart"], started["statut_d_arrivee"]) == ("", "Brouillon")
    assert (submitted["statut_d_arrivee"], submitted["message"]) == ("Soumise", "Bonne lecture !")
    assert submitted["cooperative"] == "Coopérative Alpha"
    edits = data["modifications_de_projets"]
    assert [edit["title"] for edit in edits] == ["Ateliers d'Alice"]
    assert edits[0]["type"] == "modification" and edits[0]["projet"] == project.pk
    assert [sign_in["navigateur"] for sign_in in data["connexions"]] == ["Navigateur d'Alice"]
    assert data["avertissement_inactivite"]["prevenu_le"]
    assert [n["texte"] for n in data["notifications"]] == ["Votre sélection est soumise"]
    assert data["reglages_des_notifications"] == {
        "decisions": "immediate",
        "remarks": "immediate",
        "to_review": "immediate",
        "reminders": "immediate",
        "team": "weekly",
    }
    assert data["points_d_etape_rediges"] == []
    assert "Précisez." not in json.dumps(data)  # the reviewer's move is not Alice's


def test_it_streams_a_long_history_in_pieces(client, campaign, coop_a, staff_a):
    selection = factories.make_selection(coop_a, campaign, numbers=[1], projects_per=1)
    project = Project.objects.get(choice__selection=selection)
    for number in range(600):
        project.title = f"Titre {number}"
        project._history_user = staff_a
        project.save()
    client.force_login(staff_a)

    response, data = _download(client)

    assert len(data["modifications_de_projets"]) == 600
    assert data["modifications_de_projets"][-1]["title"] == "Titre 599"


def test_it_sends_anonymous_visitors_to_the_login_page(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
