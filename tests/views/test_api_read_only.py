"""The public API is read-only: any other method than GET and HEAD is a JSON 405, in French.

It used to answer a POST with the HTML page of a CSRF failure. The client
enforces CSRF checks here, as browsers and scripts meet them.
"""

import pytest
from django.test import Client
from django.urls import reverse

from commitments.models import Project
from qualicoop.api import urls as api_urls

pytestmark = pytest.mark.django_db

# Each of the API's URL names, with arguments that reach a real object.
ARGUMENTS = {
    "api_docs": lambda: [],
    "openapi": lambda: [],
    "api_engagements": lambda: [],
    "api_engagement": lambda: [1],
    "api_cooperatives": lambda: [],
    "api_cooperative": lambda: ["le-col"],
    "api_projects": lambda: [],
    "api_project": lambda: [Project.objects.published().values_list("pk", flat=True).first()],
    "api_network": lambda: [],
    "api_not_found": lambda: ["rien/"],
}


# A cooperative's own figures, with its API keys: their methods are checked in test_api_keys.
KEYED = {"api_own_selection", "api_own_measurement", "api_own_update"}


def test_every_address_of_the_api_is_checked_here():
    assert {pattern.name for pattern in api_urls.urlpatterns} == set(ARGUMENTS) | KEYED


@pytest.mark.parametrize("name", sorted(ARGUMENTS))
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_it_answers_other_methods_with_a_json_405(seed, name, method):
    url = reverse(f"discovery:{name}", args=ARGUMENTS[name]())

    response = getattr(Client(enforce_csrf_checks=True), method)(
        url, data="{}", content_type="application/json"
    )

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json() == {
        "detail": "L'API est en lecture seule : seules les méthodes GET et HEAD sont acceptées."
    }


@pytest.mark.parametrize("name", sorted(ARGUMENTS))
def test_it_still_answers_get_and_head(seed, name):
    url = reverse(f"discovery:{name}", args=ARGUMENTS[name]())
    expected = 404 if name == "api_not_found" else 200

    assert Client().get(url).status_code == expected
    assert Client().head(url).status_code == expected
