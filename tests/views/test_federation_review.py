"""The review page (federation:review): content, read-only states, changes, trail."""

import datetime

import pytest
from django.urls import reverse

from commitments import workflow
from commitments.models import Choice, Engagement, Indicator, Project
from tests import factories
from tests.opendata_support import make_indicator


def _url(selection):
    return reverse("federation:review", args=[selection.pk])


@pytest.fixture
def submitted(campaign, coop_a, staff_a):
    """Alice's selection: engagements 1–8 with a project each, submitted."""
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9), by=staff_a)
    project = Project.objects.get(choice__selection=selection, choice__engagement__number=5)
    project.objectives = "Réunir 30 ménages par an."
    project.indicators = "Nombre de participants."
    project.target_date = datetime.date(2027, 3, 31)
    project.progress = Project.Progress.IN_PROGRESS
    project.save()
    workflow.submit_selection(selection=selection, by=staff_a, message="Voici notre sélection.")
    return selection


def _resubmit_with_changes(selection, *, staff, reviewer):
    workflow.request_changes(
        selection=selection,
        by=reviewer,
        message="Précisez l'engagement 3.",
        remarks={Engagement.objects.get(number=3): "Combien de logements ?"},
    )
    project = Project.objects.filter(
        choice__selection=selection, choice__engagement__number=3
    ).first()
    project.description = "Description trimestrielle du projet 3.1 de Coopérative Alpha."
    project._history_user = staff
    project.save()
    choice = Choice.objects.create(selection=selection, engagement=Engagement.objects.get(number=9))
    Project.objects.create(choice=choice, title="Rénovation <b>pilote</b>", description="Isoler.")
    workflow.submit_selection(selection=selection, by=staff, message="C'est corrigé.")


def test_it_shows_the_selection_in_full(client, reviewer, submitted, campaign):
    client.force_login(reviewer)

    response = client.get(_url(submitted))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Coopérative Alpha</h1>" in html
    assert campaign.name in html
    assert "status-badge status-submitted" in html
    for number in range(1, 9):
        assert f"Engagement {number}</span>" in html
        assert f'name="remarque_{number}"' in html
        assert f"Projet {number}.1 de Coopérative Alpha" in html
    # Pillar colours: engagements 1–4 belong to pillar 1, 5–8 to pillar 2.
    assert 'class="fed-engagement pillar-1 mb-4" aria-labelledby="engagement-1"' in html
    assert 'class="fed-engagement pillar-2 mb-4" aria-labelledby="engagement-5"' in html
    # Every field of a project.
    for text in (
        "Réunir 30 ménages par an.",
        "Nombre de participants.",
        "31 mars 2027",
        "En cours",
    ):
        assert text in html
    assert 'name="message"' in html
    assert 'value="modifications"' in html and "Demander des modifications" in html
    assert 'value="valider"' in html
    assert f'action="{reverse("federation:decide", args=[submitted.pk])}"' in html


@pytest.mark.parametrize("state", ["draft", "changes_requested", "validated"])
def test_it_is_read_only_unless_submitted(client, reviewer, campaign, coop_a, state):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    if state != "draft":
        workflow.submit_selection(selection=selection, by=None)
    if state == "changes_requested":
        workflow.request_changes(selection=selection, by=reviewer, message="Non.")
    if state == "validated":
        workflow.validate_selection(selection=selection, by=reviewer)
    client.force_login(reviewer)

    html = client.get(_url(selection)).content.decode()

    assert "Lecture seule" in html
    assert 'name="decision"' not in html
    assert 'name="remarque_1"' not in html
    reopen = reverse("federation:reopen", args=[selection.pk])
    assert (reopen in html) is (state == "validated")


def test_it_shows_what_changed_since_the_previous_submission(client, reviewer, submitted, staff_a):
    client.force_login(reviewer)
    assert "Ce qui a changé" not in client.get(_url(submitted)).content.decode()
    _resubmit_with_changes(submitted, staff=staff_a, reviewer=reviewer)

    html = client.get(_url(submitted)).content.decode()

    diff = html.split('id="titre-diff"')[1].split("</section>")[0]
    assert "Engagement 9</span> ajouté" in diff
    assert "Projet modifié : « Projet 3.1 de Coopérative Alpha »" in diff
    assert 'Description <ins class="diff-added">trimestrielle </ins>du projet 3.1' in diff
    # The new project's title is shown escaped, never as markup.
    assert "Rénovation &lt;b&gt;pilote&lt;/b&gt;" in diff
    assert "<b>pilote</b>" not in html


def test_after_a_withdrawal_it_shows_what_changed_since_the_request_for_changes(
    client, reviewer, submitted, staff_a
):
    _resubmit_with_changes(submitted, staff=staff_a, reviewer=reviewer)
    workflow.withdraw_selection(selection=submitted, by=staff_a)
    Project.objects.filter(choice__selection=submitted, choice__engagement__number=4).update(
        title="Titre revu après le retrait"
    )
    workflow.submit_selection(selection=submitted, by=staff_a)
    client.force_login(reviewer)

    html = client.get(_url(submitted)).content.decode()

    diff = html.split('id="titre-diff"')[1].split("</section>")[0]
    # Everything since the reviewer's decision, the withdrawn submission's changes included.
    assert "Engagement 9</span> ajouté" in diff
    assert "Projet modifié : « Projet 3.1 de Coopérative Alpha »" in diff
    assert "Titre revu après le retrait" in diff
    assert "Depuis la soumission du" in diff and "renvoyée à la coopérative le" in diff


def test_a_reopened_version_resubmitted_keeps_its_changes_against_the_validated_one(
    client, reviewer, campaign, coop_a, staff_a
):
    validated = factories.make_published(coop_a, campaign, reviewer)
    draft = workflow.reopen_selection(selection=validated, by=reviewer)
    Project.objects.filter(choice__selection=draft, choice__engagement__number=2).update(
        title="Titre de la version rouverte"
    )
    workflow.submit_selection(selection=draft, by=staff_a)
    workflow.withdraw_selection(selection=draft, by=staff_a)
    workflow.submit_selection(selection=draft, by=staff_a)
    client.force_login(reviewer)

    html = client.get(_url(draft)).content.decode()

    changes = html.split('id="titre-diff-publiee"')[1].split("</section>")[0]
    assert "Titre de la version rouverte" in changes
    assert "Depuis la version 1" in changes
    # The withdrawn submission was never decided on: nothing is compared with it.
    assert 'id="titre-diff"' not in html


def test_it_recalls_the_last_remark_next_to_its_engagement(client, reviewer, submitted, staff_a):
    _resubmit_with_changes(submitted, staff=staff_a, reviewer=reviewer)
    client.force_login(reviewer)

    html = client.get(_url(submitted)).content.decode()

    engagement_3 = html.split('aria-labelledby="engagement-3"')[1].split("</section>")[0]
    assert "Combien de logements ?" in engagement_3
    engagement_4 = html.split('aria-labelledby="engagement-4"')[1].split("</section>")[0]
    assert "Combien de logements ?" not in engagement_4


def test_it_shows_the_timeline_with_remarks(client, reviewer, submitted, staff_a):
    _resubmit_with_changes(submitted, staff=staff_a, reviewer=reviewer)
    client.force_login(reviewer)

    html = client.get(_url(submitted)).content.decode()

    timeline = html.split('id="titre-parcours"')[1].split("</aside>")[0]
    # Latest first: the resubmission, the request for changes, the first submission, the start.
    assert timeline.index("C&#x27;est corrigé.") < timeline.index("Précisez l&#x27;engagement 3.")
    assert timeline.index("Précisez l&#x27;engagement 3.") < timeline.index("Voici notre")
    assert "Rita Relecture" in timeline and "Alice" in timeline
    assert "Combien de logements ?" in timeline
    assert timeline.count("status-changes") == 2  # to, then from "Modifications demandées"


def test_it_shows_who_edited_which_project(client, reviewer, submitted, staff_a):
    _resubmit_with_changes(submitted, staff=staff_a, reviewer=reviewer)
    client.force_login(reviewer)

    html = client.get(_url(submitted)).content.decode()

    history = html.split('id="titre-historique"')[1].split("</section>")[0]
    edit = history.split("Projet 3.1 de Coopérative Alpha » modifié")[1].split("</tr>")[0]
    assert edit.strip().startswith(": description")
    row = history.split("Projet 3.1 de Coopérative Alpha » modifié")[0].rsplit("<tr>", 1)[1]
    assert "Alice" in row
    assert "Engagement 9</span>" in history and "choisi" in history


def test_it_escapes_what_cooperatives_typed(client, reviewer, campaign, coop_a):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    Project.objects.filter(choice__selection=selection).update(
        title="<script>alert('titre')</script>"
    )
    client.force_login(reviewer)

    html = client.get(_url(selection)).content.decode()

    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(" in html


def test_it_is_a_404_for_an_unknown_selection(client, reviewer):
    client.force_login(reviewer)

    assert client.get(reverse("federation:review", args=[999999])).status_code == 404


def test_it_uses_a_bounded_number_of_queries(
    client, reviewer, campaign, coop_a, coop_b, staff_a, django_assert_max_num_queries
):
    small = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    large = factories.make_selection(
        coop_b, campaign, numbers=[n for n in range(1, 13) if n != 9], projects_per=6
    )
    for selection in (small, large):
        workflow.submit_selection(selection=selection, by=None)
        _resubmit_with_changes(selection, staff=staff_a, reviewer=reviewer)
    # Every project measured: the indicators and the values the checks read.
    for project in Project.objects.filter(choice__selection__in=[small, large]):
        make_indicator(project, target=50, values=[(datetime.date(2025, 6, 30), 20)])
    client.force_login(reviewer)

    with django_assert_max_num_queries(18) as few:
        assert client.get(_url(small)).status_code == 200
    # Measured on the merged code, whatever the size: among them the reviewer's saved
    # review, the internal notes, a pending reopening request, the projects'
    # indicators (with their latest public value and catalogue entry), their values
    # for the reviewers' checks and the projects' evidence, one query each (the
    # reviewer test and the header's unread count come with the session user): 18.
    with django_assert_max_num_queries(18) as many:
        assert client.get(_url(large)).status_code == 200
    assert len(many) == len(few)


def test_it_shows_each_projects_indicators_and_a_target_changed_since_the_validated_version(
    client, reviewer, campaign, coop_a, staff_a
):
    validated = factories.make_published(coop_a, campaign, reviewer)
    project = Project.objects.get(choice__selection=validated, choice__engagement__number=1)
    measured = make_indicator(project, target=50, values=[(datetime.date(2025, 6, 30), 20)])
    make_indicator(project, name="Familles accompagnées", target=12)
    draft = workflow.reopen_selection(selection=validated, by=reviewer)
    copy = Indicator.objects.get(project__choice__selection=draft, public_id=measured.pk)
    copy.target_value = 80
    copy.save()
    Indicator.objects.filter(
        project__choice__selection=draft, name="Familles accompagnées"
    ).delete()
    make_indicator(copy.project, name="Ménages relogés", baseline=None, target=30)
    workflow.submit_selection(selection=draft, by=staff_a)
    client.force_login(reviewer)

    html = client.get(_url(draft)).content.decode()

    table = html.split('class="fed-indicators')[1].split("</table>")[0]
    assert "<caption" in table and "Indicateurs chiffrés" in table
    assert '<th scope="row">Logements livrés</th>' in table
    assert "logements" in table
    assert "0 (1er janvier 2025)" in table  # the baseline and its date
    assert "80 (31 décembre 2027)" in table  # the target and its date
    assert "20 (30 juin 2025)" in table  # the latest public value
    changes = html.split('id="titre-diff-publiee"')[1].split("</section>")[0]
    assert '<del class="diff-removed">50 </del><ins class="diff-added">80 </ins>' in changes
    assert '<ins class="diff-added">Ménages relogés : à 30 logements' in changes
    assert '<del class="diff-removed">Familles accompagnées : de 0 logements' in changes


def _every_engagement(coop, campaign, *, projects):
    """A submitted selection of every engagement, ``projects`` projects in all, each measured."""
    selection = factories.make_selection(coop, campaign, numbers=range(1, 13), projects_per=0)
    choices = list(selection.choices.order_by("engagement__number"))
    for index in range(projects):
        Project.objects.create(
            choice=choices[index % 12],
            title=f"Projet {index + 1}",
            description="Isoler les logements du quartier. " * 20,
            position=index // 12,
        )
    for project in Project.objects.filter(choice__selection=selection):
        make_indicator(project, target=50, values=[(datetime.date(2025, 6, 30), 20)])
    workflow.submit_selection(selection=selection, by=None)
    return selection


def test_the_review_of_twelve_engagements_and_forty_projects_costs_what_a_small_one_does(
    client, reviewer, campaign, coop_a, coop_b, django_assert_max_num_queries
):
    small = _every_engagement(coop_a, campaign, projects=12)
    large = _every_engagement(coop_b, campaign, projects=40)
    huge = _every_engagement(factories.make_coop("Coopérative Gamma"), campaign, projects=120)
    client.force_login(reviewer)

    with django_assert_max_num_queries(18) as at_1x:
        small_page = client.get(_url(small))
    with django_assert_max_num_queries(18) as at_forty:
        large_page = client.get(_url(large))
    with django_assert_max_num_queries(18) as at_10x:
        huge_page = client.get(_url(huge))

    assert small_page.status_code == large_page.status_code == huge_page.status_code == 200
    assert len(at_1x) == len(at_forty) == len(at_10x)
    # The page grows with the projects it shows, and with nothing else: about 2 KB
    # each (description, indicator, evidence), around a fixed frame; the history
    # shows its latest 50 edits, the queue is paginated.
    per_project = (len(huge_page.content) - len(small_page.content)) / (120 - 12)
    assert per_project < 3 * 1024
    assert len(large_page.content) < 160 * 1024
