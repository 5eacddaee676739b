"""The review moves' pages: withdraw, ask for a reopening and its answers, a partial
send-back, the saved review, internal notes, the dashboard's reminder, the diff
against the published version, and a refused decision's error summary."""

import pytest
from django.core import mail
from django.urls import reverse

from commitments import workflow
from commitments.models import (
    Choice,
    Engagement,
    InternalNote,
    Project,
    ReopeningRequest,
    ReviewDraft,
    Selection,
    Status,
)
from tests import factories
from tests.notification_support import send_daily_digests


@pytest.fixture
def submitted(campaign, coop_a):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=None)
    return selection


@pytest.fixture
def published(campaign, coop_a, reviewer):
    return factories.make_published(coop_a, campaign, reviewer)


def _status(selection):
    return Selection.objects.get(pk=selection.pk).status


# --- withdraw -------------------------------------------------------------------


def test_it_offers_the_withdrawal_on_the_dashboard(client, staff_a, coop_a, submitted):
    client.force_login(staff_a)

    html = client.get(reverse("workspace:dashboard", args=[coop_a.slug])).content.decode()

    assert reverse("workspace:withdraw", args=[coop_a.slug]) in html


def test_it_asks_before_withdrawing_then_withdraws(
    client, staff_a, reviewer, coop_a, submitted, django_capture_on_commit_callbacks
):
    client.force_login(staff_a)
    url = reverse("workspace:withdraw", args=[coop_a.slug])

    page = client.get(url)
    assert page.status_code == 200 and "Oui, retirer la sélection" in page.content.decode()
    assert _status(submitted) == Status.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"message": "Il manque un projet."}, follow=True)
    send_daily_digests()

    assert _status(submitted) == Status.DRAFT
    assert "Sélection retirée" in response.content.decode()
    assert submitted.transitions.latest("pk").message == "Il manque un projet."
    assert any("a retiré" in message.body for message in mail.outbox)


def test_a_contributor_cannot_withdraw(client, contributor_a, coop_a, submitted):
    client.force_login(contributor_a)

    response = client.post(reverse("workspace:withdraw", args=[coop_a.slug]))

    assert response.status_code == 403
    assert _status(submitted) == Status.SUBMITTED


# --- ask for a reopening --------------------------------------------------------


def test_the_validated_dashboard_has_the_request_form(client, staff_a, coop_a, published):
    client.force_login(staff_a)

    html = client.get(reverse("workspace:dashboard", args=[coop_a.slug])).content.decode()

    assert "demandez à la fédération de la rouvrir" not in html
    assert reverse("workspace:ask_reopening", args=[coop_a.slug]) in html
    assert "Demander la réouverture à la fédération" in html


def test_a_request_without_a_message_is_refused_next_to_the_field(
    client, staff_a, coop_a, published
):
    client.force_login(staff_a)

    response = client.post(reverse("workspace:ask_reopening", args=[coop_a.slug]), {"message": ""})

    assert response.status_code == 400
    assert "Dites à la fédération ce que vous souhaitez faire évoluer." in response.content.decode()
    assert not ReopeningRequest.objects.exists()


def test_a_request_reaches_the_reviewers_queue_and_mail(
    client, staff_a, reviewer, coop_a, published, django_capture_on_commit_callbacks
):
    client.force_login(staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("workspace:ask_reopening", args=[coop_a.slug]),
            {"message": "Nous lançons un habitat participatif."},
            follow=True,
        )
    assert "Demande de réouverture envoyée" in response.content.decode()
    assert "attend la réponse de la fédération" in response.content.decode()
    send_daily_digests()
    [message] = [m for m in mail.outbox if reviewer.email in m.to]
    assert "habitat participatif" in message.body
    assert f"/federation/selections/{published.pk}/" in message.body

    client.force_login(reviewer)
    queue = client.get(reverse("federation:queue")).content.decode()
    assert "Demandes de réouverture" in queue and "habitat participatif" in queue


def test_a_reviewer_accepts_a_request(client, staff_a, reviewer, published):
    request = workflow.request_reopening(selection=published, by=staff_a, message="Un projet.")
    client.force_login(reviewer)
    review = client.get(reverse("federation:review", args=[published.pk])).content.decode()
    assert "Accepter et rouvrir" in review

    response = client.post(reverse("federation:reopening_accept", args=[request.pk]))

    draft = Selection.objects.get(cooperative=published.cooperative, status=Status.DRAFT)
    assert response.status_code == 302 and response["Location"] == reverse(
        "federation:review", args=[draft.pk]
    )
    request.refresh_from_db()
    assert request.state == ReopeningRequest.State.ACCEPTED


def test_a_reviewer_declines_with_a_reason_only(client, staff_a, reviewer, published):
    request = workflow.request_reopening(selection=published, by=staff_a, message="Un projet.")
    client.force_login(reviewer)
    url = reverse("federation:reopening_decline", args=[request.pk])
    assert client.get(url).status_code == 200

    refused = client.post(url, {"reason": " "})
    assert refused.status_code == 400
    assert "pourquoi la demande est refusée" in refused.content.decode()

    client.post(url, {"reason": "Attendez la campagne de suivi."})
    request.refresh_from_db()
    assert (request.state, request.reason) == (
        ReopeningRequest.State.DECLINED,
        "Attendez la campagne de suivi.",
    )


# --- the decision: partial send-back, error summary, saved review ---------------


def test_only_the_ticked_engagements_are_sent_back(client, reviewer, submitted):
    client.force_login(reviewer)

    response = client.post(
        reverse("federation:decide", args=[submitted.pk]),
        {
            "decision": "modifications",
            "message": "Deux engagements à préciser.",
            "renvoi_affiche": "on",
            "renvoyer": ["2", "5"],
            "remarque_2": "Quel calendrier ?",
        },
    )

    assert response.status_code == 302
    assert _status(submitted) == Status.CHANGES_REQUESTED
    unlocked = Choice.objects.filter(selection=submitted, is_locked=False)
    assert sorted(unlocked.values_list("engagement__number", flat=True)) == [2, 5]


def test_the_locked_engagement_says_so_to_the_staff(client, reviewer, staff_a, coop_a, submitted):
    workflow.request_changes(
        selection=submitted,
        by=reviewer,
        message="Un seul point.",
        engagements=Engagement.objects.filter(number=2),
    )
    client.force_login(staff_a)

    locked = client.get(reverse("workspace:engagement", args=[coop_a.slug, 1])).content.decode()
    open_ = client.get(reverse("workspace:engagement", args=[coop_a.slug, 2])).content.decode()

    assert "verrouillé par la fédération" in locked
    assert "verrouillé par la fédération" not in open_


def _partly_sent_back(submitted, reviewer):
    """``submitted`` sent back on engagement 2 alone, each project with an indicator."""
    for project in Project.objects.filter(choice__selection=submitted):
        factories.make_indicator(project)
    workflow.request_changes(
        selection=submitted,
        by=reviewer,
        message="Un seul point.",
        engagements=Engagement.objects.filter(number=2),
    )


def _change_links(slug, project):
    indicator = project.indicator_set.get()
    number = project.choice.engagement.number
    return [
        reverse("workspace:project_create", args=[slug, number]),
        reverse("workspace:project_edit", args=[slug, project.pk]),
        reverse("workspace:project_delete", args=[slug, project.pk]),
        reverse("workspace:indicator_create", args=[slug, project.pk]),
        reverse("workspace:indicator_edit", args=[slug, indicator.pk]),
        reverse("workspace:indicator_delete", args=[slug, indicator.pk]),
    ]


def test_a_locked_engagement_offers_no_change_the_service_would_refuse(
    client, reviewer, staff_a, coop_a, submitted
):
    _partly_sent_back(submitted, reviewer)
    locked = Project.objects.get(choice__selection=submitted, choice__engagement__number=1)
    sent_back = Project.objects.get(choice__selection=submitted, choice__engagement__number=2)
    client.force_login(staff_a)

    locked_page = client.get(reverse("workspace:engagement", args=[coop_a.slug, 1]))
    open_page = client.get(reverse("workspace:engagement", args=[coop_a.slug, 2]))

    for link in _change_links(coop_a.slug, locked):
        assert f'href="{link}"' not in locked_page.content.decode(), link
    assert ">Modifier<" not in locked_page.content.decode().replace("\n", "")
    for link in (
        _change_links(coop_a.slug, sent_back)[:2] + _change_links(coop_a.slug, sent_back)[4:5]
    ):
        assert f'href="{link}"' in open_page.content.decode(), link


def test_a_kept_address_of_a_locked_form_leads_back_before_anything_is_typed(
    client, reviewer, staff_a, coop_a, submitted
):
    _partly_sent_back(submitted, reviewer)
    locked = Project.objects.get(choice__selection=submitted, choice__engagement__number=1)
    client.force_login(staff_a)
    engagement_page = reverse("workspace:engagement", args=[coop_a.slug, 1])

    for url in [
        reverse("workspace:project_create", args=[coop_a.slug, 1]),
        reverse("workspace:project_edit", args=[coop_a.slug, locked.pk]),
        reverse("workspace:indicator_create", args=[coop_a.slug, locked.pk]),
        reverse("workspace:indicator_edit", args=[coop_a.slug, locked.indicator_set.get().pk]),
    ]:
        response = client.get(url, follow=True)
        assert response.redirect_chain == [(engagement_page, 302)], url
        assert "engagement 1 est verrouillé par la fédération" in response.content.decode()


def test_a_refused_decision_starts_with_an_error_summary_and_keeps_the_text(
    client, reviewer, submitted
):
    client.force_login(reviewer)

    response = client.post(
        reverse("federation:decide", args=[submitted.pk]),
        {
            "decision": "modifications",
            "message": "",
            "renvoi_affiche": "on",
            "renvoyer": ["3"],
            "remarque_3": "Une remarque à ne pas perdre.",
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    summary = html.split('id="resume-erreurs"')[1].split("</div>")[0]
    assert 'tabindex="-1"' in html.split('id="resume-erreurs"')[0][-200:] + summary
    assert 'href="#id_message"' in summary
    assert html.index('id="resume-erreurs"') < html.index('id="decision"')
    assert "Une remarque à ne pas perdre." in html
    assert 'id="renvoyer-3" checked' in html
    assert "js/error-summary" in html
    assert _status(submitted) == Status.SUBMITTED


def test_ticking_no_engagement_is_refused(client, reviewer, submitted):
    client.force_login(reviewer)

    response = client.post(
        reverse("federation:decide", args=[submitted.pk]),
        {"decision": "modifications", "message": "À revoir.", "renvoi_affiche": "on"},
    )

    assert response.status_code == 400
    assert "Cochez au moins un engagement" in response.content.decode()


def test_a_review_is_saved_unsent_and_comes_back(client, reviewer, staff_a, submitted):
    client.force_login(reviewer)

    response = client.post(
        reverse("federation:save_review", args=[submitted.pk]),
        {"decision": "modifications", "message": "Brouillon du message.", "remarque_4": "À voir."},
    )

    assert response.status_code == 302
    assert _status(submitted) == Status.SUBMITTED
    draft = ReviewDraft.objects.get(selection=submitted, reviewer=reviewer)
    assert draft.remarks == {"4": "À voir."}
    html = client.get(reverse("federation:review", args=[submitted.pk])).content.decode()
    assert "Brouillon du message." in html and "À voir." in html
    assert 'id="renvoyer-4" checked' in html

    client.post(
        reverse("federation:decide", args=[submitted.pk]),
        {"decision": "valider", "message": ""},
    )
    assert not ReviewDraft.objects.exists()


# --- internal notes -------------------------------------------------------------


def test_internal_notes_are_for_reviewers_only(
    client, reviewer, staff_a, coop_a, campaign, published
):
    client.force_login(reviewer)
    response = client.post(
        reverse("federation:add_note", args=[published.pk]), {"text": "Note secrète 4821."}
    )
    assert response.status_code == 302
    assert InternalNote.objects.get().author == reviewer
    review = client.get(reverse("federation:review", args=[published.pk])).content.decode()
    assert "Note secrète 4821." in review

    client.force_login(staff_a)
    pages = [
        reverse("workspace:dashboard", args=[coop_a.slug]),
        reverse("workspace:engagement", args=[coop_a.slug, 1]),
        reverse("workspace:spreadsheet", args=[coop_a.slug]),
    ]
    for page in pages:
        assert "Note secrète 4821." not in client.get(page).content.decode(), page
    client.logout()
    public = client.get(coop_a.get_absolute_url())
    assert public.status_code == 200
    assert "Note secrète 4821." not in public.content.decode()


def test_an_empty_note_is_refused_next_to_the_field(client, reviewer, submitted):
    client.force_login(reviewer)

    response = client.post(reverse("federation:add_note", args=[submitted.pk]), {"text": ""})

    assert response.status_code == 400
    assert "Écrivez la note" in response.content.decode()
    assert not InternalNote.objects.exists()


# --- the dashboard's reminder ---------------------------------------------------


def test_a_reviewer_reminds_one_cooperative(client, reviewer, staff_a, staff_b, coop_a, campaign):
    factories.make_selection(coop_a, campaign, numbers=[1])
    client.force_login(reviewer)
    dashboard = client.get(reverse("federation:dashboard")).content.decode()
    assert reverse("federation:remind", args=[coop_a.slug]) in dashboard

    response = client.post(reverse("federation:remind", args=[coop_a.slug]), follow=True)

    assert [message.to for message in mail.outbox] == [[staff_a.email]]
    assert "1 rappel mis en file" in response.content.decode()


def test_an_unknown_cooperative_is_a_404(client, reviewer):
    client.force_login(reviewer)

    assert client.post(reverse("federation:remind", args=["inconnue"])).status_code == 404


# --- the diff against the published version -------------------------------------


def test_a_reopened_version_shows_its_changes_against_the_published_one(
    client, reviewer, published
):
    draft = workflow.reopen_selection(selection=published, by=reviewer)
    Project.objects.filter(choice__selection=draft, choice__engagement__number=1).update(
        description="Une description toute neuve."
    )
    client.force_login(reviewer)

    html = client.get(reverse("federation:review", args=[draft.pk])).content.decode()

    assert "Changements par rapport à la version publiée" in html
    assert "toute neuve" in html.split('id="diff-publiee"')[1].split("</section>")[0]
