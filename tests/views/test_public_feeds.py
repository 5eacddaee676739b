"""The Atom feeds of published progress updates: the site's, a cooperative's, an engagement's."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from commitments import progress
from commitments.models import Project, ProjectStatus, UpdateState
from qualicoop.public import feeds
from tests import factories

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
TODAY = datetime.date.today()


@pytest.fixture
def campaign(reference):
    # A few engagements are enough to publish: the feeds are about updates.
    return factories.make_campaign(minimum=1)


@pytest.fixture
def published(reference, campaign, coop_a, reviewer):
    return factories.make_published(coop_a, campaign, reviewer, numbers=[1, 2])


@pytest.fixture
def projects(published):
    return list(Project.objects.filter(choice__selection=published).order_by("pk"))


def _update(project, *, state, reviewer=None, text="Les travaux avancent."):
    data = {"status": ProjectStatus.IN_PROGRESS, "reason": "", "text": text, "happened_on": TODAY}
    update = progress.create_update(
        project=project, data=data, by=None, submit=state != UpdateState.DRAFT
    )
    if state == UpdateState.PUBLISHED:
        update = progress.publish_update(update=update, by=reviewer)
    return update


def _feed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    # The portal's own answer, in a test: no stranger's XML is parsed here.
    return ET.fromstring(response.content)  # noqa: S314


def _valid_atom(feed):
    """The elements RFC 4287 requires: the feed's id, title, updated and author; each entry's
    id, title, updated and link."""
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
        assert feed.findtext(f"{ATOM}{name}").strip()
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").startswith("http")
    entries = feed.findall(f"{ATOM}entry")
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
            assert entry.findtext(f"{ATOM}{name}").strip()
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http")
        datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(ids) == len(set(ids)), "each entry has its own id"
    return entries


SITE = reverse("public:feed")


def _cooperative_feed(coop):
    return reverse("public:cooperative_feed", args=[coop.slug])


def _engagement_feed(number):
    return reverse("public:engagement_feed", args=[number])


def test_the_feeds_have_only_published_updates(client, projects, reviewer, coop_a, settings):
    shown = _update(projects[0], state=UpdateState.PUBLISHED, reviewer=reviewer, text="Publié")
    _update(projects[0], state=UpdateState.SUBMITTED, text="À relire, pas encore public")
    _update(projects[1], state=UpdateState.DRAFT, text="Brouillon, pas public")

    for url in (SITE, _cooperative_feed(coop_a), _engagement_feed(1)):
        entries = _valid_atom(_feed(client, url))
        assert [entry.findtext(f"{ATOM}summary") for entry in entries] == ["Publié"], url
        (entry,) = entries
        link = settings.SITE_URL + reverse("public:project", args=[projects[0].public_id])
        assert entry.find(f"{ATOM}link").get("href") == link
        assert entry.findtext(f"{ATOM}id") == f"{link}#point-d-etape-{shown.pk}"
        assert entry.findtext(f"{ATOM}title") == f"{projects[0].title} : En cours"
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == coop_a.name


def test_an_unpublished_selections_updates_stay_out(client, projects, reviewer, coop_a):
    _update(projects[0], state=UpdateState.PUBLISHED, reviewer=reviewer)
    projects[0].choice.selection.__class__.objects.filter(
        pk=projects[0].choice.selection_id
    ).update(is_published=False)

    assert _valid_atom(_feed(client, SITE)) == []
    assert _valid_atom(_feed(client, _cooperative_feed(coop_a))) == []


def test_each_feed_keeps_its_own_cooperative_and_engagement(
    client, projects, reviewer, coop_a, coop_b, campaign
):
    _update(projects[0], state=UpdateState.PUBLISHED, reviewer=reviewer, text="Alpha, engagement 1")
    other = factories.make_published(coop_b, campaign, reviewer, numbers=[2])
    _update(
        Project.objects.get(choice__selection=other),
        state=UpdateState.PUBLISHED,
        reviewer=reviewer,
        text="Bêta, engagement 2",
    )

    def texts(url):
        return [entry.findtext(f"{ATOM}summary") for entry in _valid_atom(_feed(client, url))]

    assert sorted(texts(SITE)) == ["Alpha, engagement 1", "Bêta, engagement 2"]
    assert texts(_cooperative_feed(coop_a)) == ["Alpha, engagement 1"]
    assert texts(_cooperative_feed(coop_b)) == ["Bêta, engagement 2"]
    assert texts(_engagement_feed(1)) == ["Alpha, engagement 1"]
    assert texts(_engagement_feed(2)) == ["Bêta, engagement 2"]
    assert texts(_engagement_feed(3)) == []


def test_the_feed_says_what_it_follows(client, coop_a, reference, settings):
    site = _feed(client, SITE)
    cooperative = _feed(client, _cooperative_feed(coop_a))
    engagement = _feed(client, _engagement_feed(4))

    assert site.findtext(f"{ATOM}id") == settings.SITE_URL + "/"
    assert cooperative.findtext(f"{ATOM}title") == (
        "Coopérative Alpha : les points d'étape de ses projets"
    )
    assert cooperative.findtext(f"{ATOM}id") == settings.SITE_URL + coop_a.get_absolute_url()
    assert engagement.findtext(f"{ATOM}title") == "Engagement 4 : les points d'étape des projets"
    assert engagement.find(f"{ATOM}link[@rel='self']").get("href") == (
        settings.SITE_URL + _engagement_feed(4)
    )
    # Empty feeds are valid feeds too.
    for feed in (site, cooperative, engagement):
        assert _valid_atom(feed) == []


def test_the_newest_come_first_and_the_feed_is_bounded(client, projects, reviewer, settings):
    settings.PUBLIC_PAGE_CACHE = False
    for index in range(feeds.ENTRIES + 3):
        _update(projects[0], state=UpdateState.PUBLISHED, reviewer=reviewer, text=f"Point {index}")

    entries = _valid_atom(_feed(client, SITE))

    assert len(entries) == feeds.ENTRIES
    assert entries[0].findtext(f"{ATOM}summary") == f"Point {feeds.ENTRIES + 2}"
    dates = [entry.findtext(f"{ATOM}updated") for entry in entries]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("url", ["/cooperatives/inconnue/flux.atom", "/engagements/13/flux.atom"])
def test_an_unknown_cooperative_or_engagement_is_a_404(client, reference, url):
    assert client.get(url).status_code == 404


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_feeds_run_the_same_queries_at_ten_times_the_data(
    client, projects, reviewer, coop_a, campaign, django_assert_num_queries
):
    _update(projects[0], state=UpdateState.PUBLISHED, reviewer=reviewer)
    urls = [SITE, _cooperative_feed(coop_a), _engagement_feed(1)]
    once = {url: _queries(client, url) for url in urls}
    for index in range(10):
        coop = factories.make_coop(f"Coopérative {index}")
        selection = factories.make_published(coop, campaign, reviewer, numbers=[1, 2])
        for project in Project.objects.filter(choice__selection=selection):
            _update(project, state=UpdateState.PUBLISHED, reviewer=reviewer)
    for project in projects:
        _update(project, state=UpdateState.PUBLISHED, reviewer=reviewer)

    for url in urls:
        # The cooperative or the engagement (not the site's), then the entries.
        with django_assert_num_queries(once[url]):
            client.get(url)
    assert once[SITE] == 1
    assert once[_cooperative_feed(coop_a)] == once[_engagement_feed(1)] == 2


def test_the_pages_name_their_feed_in_their_head(client, published, coop_a):
    pages = {
        reverse("public:home"): SITE,
        reverse("public:cooperative", args=[coop_a.slug]): _cooperative_feed(coop_a),
        reverse("public:engagement", args=[1]): _engagement_feed(1),
    }
    for page, feed in pages.items():
        head = client.get(page).content.decode().split("</head>")[0]
        assert '<link rel="alternate" type="application/atom+xml" title="' in head, page
        assert f'href="{feed}">' in head, page


def test_the_feeds_are_cached_with_the_public_pages(
    client, projects, reviewer, settings, django_capture_on_commit_callbacks
):
    """Anonymous readers get the cached feed until a publication moves the public version."""
    settings.PUBLIC_PAGE_CACHE = True
    for url in (SITE, "/cooperatives/cooperative-alpha/flux.atom", "/engagements/1/flux.atom"):
        assert resolve(url).func.public_page_parameters == frozenset()
    assert _valid_atom(_feed(client, SITE)) == []

    with django_capture_on_commit_callbacks() as on_commit:
        _update(projects[0], state=UpdateState.PUBLISHED, reviewer=reviewer)
    # Not committed yet: the cached feed is still served.
    assert _valid_atom(_feed(client, SITE)) == []
    for callback in on_commit:
        callback()

    assert len(_valid_atom(_feed(client, SITE))) == 1
