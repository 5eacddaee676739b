"""Languages and wording: French content marked as such in English pages, and French plurals."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from commitments import progress
from commitments.models import Project
from tests import factories

pytestmark = pytest.mark.django_db


def english(client):
    client.cookies["django_language"] = "en"
    return client


def french_elements(html):
    """The text that opens every element marked lang="fr" (the language switch left out)."""
    return [
        text.strip()
        for tag, attributes, text in re.findall(r"<(\w+)([^>]*)>([^<]*)", html)
        if ' lang="fr"' in attributes and tag != "html" and "hreflang" not in attributes
    ]


def test_the_english_home_page_marks_pillars_and_engagements_as_french(client, seed):
    html = english(client).get(reverse("public:home")).content.decode()

    marked = french_elements(html)
    assert "Notre gouvernance coopérative" in marked
    assert "Agir ensemble, s'engager au service des générations présentes et futures" in [
        text.replace("’", "'") for text in marked
    ]
    assert "Instaurer un dialogue constructif avec ses associés" in marked


def test_the_english_engagement_page_marks_its_text_and_projects_as_french(client, seed):
    html = english(client).get(reverse("public:engagement", args=[5])).content.decode()

    assert (
        '<h1 class="mb-3" lang="fr">Instaurer un dialogue constructif avec ses associés</h1>'
        in html
    )
    assert '<span lang="fr">Notre gouvernance coopérative</span>' in html
    project = Project.objects.filter(choice__engagement__number=5).published().first()
    assert f'lang="fr">{project.title}</a>' in html.replace("&#x27;", "'")


def test_the_english_cooperative_and_search_pages_mark_french_content(client, seed):
    client = english(client)
    profile = client.get(reverse("public:cooperative", args=["le-col"])).content.decode()
    search = client.get(reverse("discovery:projects")).content.decode()

    assert 'class="h4 pillar-title mb-0" lang="fr">' in profile
    assert 'lang="fr">Permettre l' in profile
    assert '<p class="mb-2" lang="fr">' in search


def test_french_pages_carry_no_lang_attribute_on_content(client, seed):
    html = client.get(reverse("public:engagement", args=[5])).content.decode()

    assert french_elements(html) == []
    assert '<html lang="fr">' in html


def test_an_expired_form_in_english_is_in_english_inside_the_sites_layout(client, db):
    client = english(Client(enforce_csrf_checks=True))
    client.get(reverse("accounts:login"))

    response = client.post(reverse("accounts:login"), {"csrfmiddlewaretoken": "perime" * 8})

    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="en">' in html
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert "This page had expired" in html
    assert "Cette page avait expiré" not in html


def test_the_live_counter_of_the_picker_says_engagement_in_the_singular_and_plural(
    client, campaign, coop_a, staff_a
):
    factories.make_selection(coop_a, campaign, numbers=[1], projects_per=0)
    client.force_login(staff_a)

    content = client.get(reverse("workspace:choose", args=[coop_a.slug])).content.decode()

    assert "<strong data-count>1</strong> engagement choisi sur 8 minimum</span>" in content
    # Both wordings, for the script to follow the ticks by the language's plural rule.
    assert (
        '<template data-plural="one"><strong data-count>1</strong> '
        "engagement choisi sur 8 minimum</template>"
    ) in content
    assert (
        '<template data-plural="other"><strong data-count>2</strong> '
        "engagements choisis sur 8 minimum</template>"
    ) in content
    assert "(s)" not in content


def test_an_engagement_with_no_project_says_0_projet(client, reference):
    html = client.get(reverse("public:home")).content.decode()

    # French puts 0 in the singular: "0 projet", "Choisi par 0 coopérative".
    assert len(re.findall(r"\b0 projet\b(?!s)", html)) == 12
    assert "0 projets" not in html and "0 coopératives" not in html


def test_the_english_project_statistics_and_directory_pages_mark_french_content(client, seed):
    client = english(client)
    project = Project.objects.published().select_related("choice__engagement").first()
    cooperative = project.choice.selection.cooperative

    page = client.get(project.get_absolute_url()).content.decode().replace("&#x27;", "'")
    statistics = client.get(reverse("discovery:statistics")).content.decode()
    directory = client.get(reverse("public:cooperatives")).content.decode()

    marked = [text.replace("&#x27;", "'") for text in french_elements(page)]
    assert project.title in marked  # the heading and the breadcrumb
    assert project.choice.engagement.title.replace("’", "'") in [
        text.replace("’", "'") for text in marked
    ]
    assert cooperative.name in marked
    assert f'<p class="fs-5" lang="fr">{project.description.splitlines()[0]}' in page
    assert "Instaurer un dialogue constructif avec ses associés" in french_elements(statistics)
    assert cooperative.name in [text.replace("&#x27;", "'") for text in french_elements(directory)]


def test_the_english_workspace_and_review_mark_french_content(
    client, campaign, coop_a, staff_a, reviewer
):
    selection = factories.make_selection(coop_a, campaign, numbers=[1])
    project = Project.objects.get(choice__selection=selection)
    engagement = project.choice.engagement
    client = english(client)

    client.force_login(staff_a)
    dashboard = client.get(reverse("workspace:dashboard", args=[coop_a.slug])).content.decode()
    page = client.get(reverse("workspace:engagement", args=[coop_a.slug, 1])).content.decode()
    client.force_login(reviewer)
    review = client.get(reverse("federation:review", args=[selection.pk])).content.decode()

    assert coop_a.name in french_elements(dashboard)
    for html in (page, review):
        marked = [text.replace("&#x27;", "'") for text in french_elements(html)]
        assert engagement.title.replace("&#x27;", "'") in marked
        assert project.title in marked
    assert coop_a.name in french_elements(review)


# --- Every audience: each text of the federation and the cooperatives read as French ---

VOID_ELEMENTS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


class _TextLanguages(HTMLParser):
    """Each text of a page with the language it is read in: its nearest ``lang``."""

    def __init__(self):
        super().__init__()
        self.open = []  # (tag, language) of the elements around the current text
        self.texts = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID_ELEMENTS:
            inherited = self.open[-1][1] if self.open else ""
            self.open.append((tag, dict(attrs).get("lang") or inherited))

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    def handle_data(self, data):
        if data.strip() and self.open:
            self.texts.append((self.open[-1][1], " ".join(data.split())))


def read_as_french(html):
    """The texts of ``html`` that a screen reader reads in French."""
    parser = _TextLanguages()
    parser.feed(html)
    return [text for language, text in parser.texts if language == "fr"]


def assert_read_as_french(html, *contents):
    french = read_as_french(html)
    for content in contents:
        assert any(content in text for text in french), content


def marked_french(html):
    """The elements a page marks lang="fr", but for the page itself and the language switch."""
    return re.findall(r'<(?!html)\w+[^>]*\slang="fr"(?![^>]*hreflang)[^>]*>', html)


@pytest.fixture
def journal(reference, campaign, coop_a, staff_a, reviewer):
    """A published selection, an indicator, a follow-up, an update sent and one sent back."""
    selection = factories.make_published(coop_a, campaign, reviewer, numbers=range(1, 9))
    project = Project.objects.filter(choice__selection=selection).order_by("pk").first()
    project.objectives = "Loger cinquante ménages."
    project.indicators = "Nombre de logements livrés."
    project.save()
    indicator = factories.make_indicator(project, unit="logements")
    factories.make_follow_up(campaign, name="Suivi annuel 2026")
    sent = factories.make_progress_update(project, text="Les fondations sont coulées.", by=staff_a)
    back = factories.make_progress_update(project, text="Le permis est accordé.", by=staff_a)
    progress.send_back_update(update=back, by=reviewer, remark="Précisez la date du permis.")
    return {"project": project, "indicator": indicator, "sent": sent}


def test_the_english_follow_up_pages_read_the_cooperatives_texts_in_french(
    client, journal, coop_a, staff_a, reviewer
):
    project = journal["project"]
    client = english(client)

    # Notifications are written in French whatever the reader's language, like the e-mails.
    factories.make_notification(staff_a, text="Votre point d'étape a été publié.")
    client.force_login(staff_a)
    follow_up = client.get(reverse("workspace:follow_up", args=[coop_a.slug])).content.decode()
    account = client.get(reverse("accounts:account")).content.decode()
    notifications = client.get(reverse("accounts:notifications")).content.decode()
    client.force_login(reviewer)
    queue = client.get(reverse("federation:updates_queue")).content.decode()
    review = client.get(
        reverse("federation:update_review", args=[journal["sent"].pk])
    ).content.decode()
    dashboard = client.get(reverse("federation:dashboard")).content.decode()

    assert_read_as_french(
        follow_up,
        "Suivi annuel 2026",
        project.choice.engagement.title,
        project.title,
        "Les fondations sont coulées.",
        "Précisez la date du permis.",
    )
    assert_read_as_french(account, coop_a.name)
    assert_read_as_french(notifications, "Votre point d'étape a été publié.")
    assert_read_as_french(queue, coop_a.name, project.title, "Les fondations sont coulées.")
    assert_read_as_french(
        review, coop_a.name, project.choice.engagement.title, project.title, "Les fondations"
    )
    assert_read_as_french(dashboard, "Campagne ouverte", coop_a.name)


def test_the_english_project_page_reads_objectives_and_units_in_french(client, journal):
    project = journal["project"]
    progress.publish_update(update=journal["sent"], by=None)

    html = english(client).get(project.get_absolute_url()).content.decode()

    assert_read_as_french(
        html, "Loger cinquante ménages.", "Nombre de logements livrés.", "logements"
    )


def test_in_french_the_follow_up_pages_mark_no_content(client, journal, coop_a, staff_a, reviewer):
    factories.make_notification(staff_a)
    client.force_login(staff_a)
    follow_up = client.get(reverse("workspace:follow_up", args=[coop_a.slug])).content.decode()
    notifications = client.get(reverse("accounts:notifications")).content.decode()
    client.force_login(reviewer)
    queue = client.get(reverse("federation:updates_queue")).content.decode()
    project_page = client.get(journal["project"].get_absolute_url()).content.decode()

    for html in (follow_up, notifications, queue, project_page):
        assert '<html lang="fr">' in html
        assert marked_french(html) == []
