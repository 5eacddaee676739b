"""Anonymous public pages come from the cache, and changes show at once."""

import threading

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commitments import progress, workflow
from commitments.models import Engagement, Project
from qualicoop.lib import public_cache
from tests import factories

# The site's day (Europe/Paris), which the forms compare with, not the machine's.
TODAY = timezone.localdate()


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE = True
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_it_serves_a_second_visit_without_touching_the_database(
    client, seed, page_cache, django_assert_num_queries
):
    first = client.get("/engagements/1/")
    with django_assert_num_queries(0):
        second = client.get("/engagements/1/")
    assert second.status_code == 200
    assert second.content == first.content


# Committed for real: the cache is refreshed once the change is committed.
@pytest.mark.django_db(transaction=True)
def test_it_shows_a_validation_immediately(client, seed, page_cache, coop_a, reviewer):
    campaign = factories.make_campaign()
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    assert "Coopérative Alpha" not in client.get("/engagements/1/").content.decode()
    assert "Coopérative Alpha" not in client.get("/").content.decode()

    workflow.submit_selection(selection=selection, by=None)
    workflow.validate_selection(selection=selection, by=reviewer)

    assert "Coopérative Alpha" in client.get("/engagements/1/").content.decode()


# Committed for real: the cache is refreshed once the change is committed.
@pytest.mark.django_db(transaction=True)
def test_it_shows_an_admin_edit_immediately(client, seed, page_cache):
    client.get("/engagements/2/")
    engagement = Engagement.objects.get(number=2)
    engagement.title = "Être un acteur local, titre revu par la fédération"
    engagement.save()
    assert "titre revu par la fédération" in client.get("/engagements/2/").content.decode()

    project = Project.objects.filter(choice__engagement__number=2).first()
    project.description = "Description corrigée dans l'administration."
    project.save()
    assert "corrigée dans l&#x27;administration" in client.get("/engagements/2/").content.decode()


# Committed for real: the cache is refreshed once the change is committed.
@pytest.mark.django_db(transaction=True)
def test_a_progress_update_shows_once_published_and_not_before(client, seed, page_cache, reviewer):
    project = Project.objects.published().first()
    url = f"/projets/{project.pk}/"
    data = {"status": "in_progress", "reason": "", "text": "Chantier lancé", "happened_on": TODAY}
    assert "Chantier lancé" not in client.get(url).content.decode()

    update = progress.create_update(project=project, data=data, by=None, submit=True)
    assert "Chantier lancé" not in client.get(url).content.decode()
    progress.publish_update(update=update, by=reviewer)
    assert "Chantier lancé" in client.get(url).content.decode()

    progress.edit_update(update, data={**data, "text": "Chantier relancé"}, by=None)
    html = client.get(url).content.decode()
    assert "Chantier" not in html.split('id="titre-points-etape"')[1]


@pytest.mark.django_db
def test_it_does_not_flush_the_cache_for_draft_edits(
    client, seed, page_cache, coop_a, django_assert_num_queries
):
    draft = factories.make_selection(coop_a, factories.make_campaign(), numbers=[1])
    client.get("/engagements/1/")
    Project.objects.filter(choice__selection=draft).update(title="Brouillon modifié")
    project = Project.objects.filter(choice__selection=draft).get()
    project.save()
    with django_assert_num_queries(0):
        client.get("/engagements/1/")


@pytest.mark.django_db
def test_it_never_serves_the_cache_to_a_signed_in_user(client, seed, page_cache, staff_a):
    client.get("/")
    client.force_login(staff_a)
    assert "Mon espace" in client.get("/").content.decode()


@pytest.mark.django_db
def test_it_lets_browsers_revalidate_with_an_etag(client, seed, page_cache):
    etag = client.get("/cooperatives/")["ETag"]
    assert client.get("/cooperatives/", HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.django_db
def test_it_forgets_pages_cached_before_a_release_with_new_static_files(
    client, seed, page_cache, monkeypatch
):
    monkeypatch.setattr(public_cache, "release", lambda: "release-1")
    client.get("/cooperatives/")
    monkeypatch.setattr(public_cache, "release", lambda: "release-2")
    with CaptureQueriesContext(connection) as queries:
        client.get("/cooperatives/")
    assert len(queries) > 0  # rendered anew, not served from the old release's cache


@pytest.mark.django_db
def test_the_version_moves_only_once_the_change_is_committed(
    seed, page_cache, django_capture_on_commit_callbacks
):
    engagement = Engagement.objects.get(number=3)
    before = public_cache.public_version()
    with django_capture_on_commit_callbacks(execute=True):
        engagement.title = "Titre revu par la fédération"
        engagement.save()
        # Other connections read the old title until the commit: a page they
        # render now must go under the old version, which the commit leaves.
        assert public_cache.public_version() == before
    assert public_cache.public_version() != before


def _render_elsewhere(path):
    """``path`` as another visitor's request renders it, on its own database connection."""
    pages = []

    def visit():
        try:
            pages.append(Client().get(path).content.decode())
        finally:
            connections.close_all()

    visitor = threading.Thread(target=visit)
    visitor.start()
    visitor.join(timeout=30)
    return pages[0]


# SQLite's test database lives in memory, where a second connection may not
# read a table that a transaction is writing; the test above covers it there.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_a_page_rendered_while_a_change_commits_is_not_kept(client, seed, page_cache):
    with transaction.atomic():
        engagement = Engagement.objects.get(number=2)
        engagement.title = "Titre revu pendant qu'un visiteur lit la page"
        engagement.save()
        assert "Titre revu pendant" not in _render_elsewhere("/engagements/2/")

    assert "Titre revu pendant" in client.get("/engagements/2/").content.decode()
