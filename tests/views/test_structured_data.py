"""The schema.org markup (JSON-LD) of the home, cooperative and project pages."""

import json
import re

import pytest
from django.conf import settings
from django.urls import reverse

from commitments.models import Project
from tests import factories

pytestmark = pytest.mark.django_db

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def markup(client, url):
    response = client.get(url)
    assert response.status_code == 200
    [found] = SCRIPT.findall(response.content.decode())
    return json.loads(found)


@pytest.fixture
def project(reference, reviewer):
    coop = factories.make_coop("Coop </script> Alpha")
    selection = factories.make_published(coop, factories.make_campaign(), reviewer)
    return Project.objects.filter(choice__selection=selection).order_by("pk").first()


def test_the_home_page_names_the_site_and_its_publisher(client, db):
    data = markup(client, reverse("public:home"))

    assert data["@context"] == "https://schema.org"
    assert (data["@type"], data["url"]) == ("WebSite", settings.SITE_URL + "/")
    assert data["publisher"]["email"] == settings.CONTACT_EMAIL


def test_a_cooperative_page_names_the_cooperative(client, project):
    cooperative = project.choice.selection.cooperative

    data = markup(client, cooperative.get_absolute_url())

    assert data["@type"] == "Organization"
    # Its name as written: the JSON escapes what would end the script block.
    assert data["name"] == "Coop </script> Alpha"
    assert data["url"] == settings.SITE_URL + cooperative.get_absolute_url()


def test_a_project_page_names_the_project_and_its_cooperative(client, project):
    data = markup(client, project.get_absolute_url())

    assert data["@type"] == "Project"
    assert (data["name"], data["identifier"]) == (project.title, str(project.public_id))
    assert data["url"] == settings.SITE_URL + project.get_absolute_url()
    assert data["parentOrganization"]["name"] == "Coop </script> Alpha"
