"""The pages of the cycle are valid HTML (the W3C's Nu Html Checker, as test_html_validity)."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from commitments.models import Project
from tests import cycles_support, factories

pytestmark = pytest.mark.django_db


def test_the_cycle_pages_are_valid_html(validator, tmp_path, reference):
    world = cycles_support.build(validate_second=False)
    coop, draft = world["coop"], world["second"]
    carried = Project.objects.filter(choice__selection=draft, carry="renewed").first()
    anonymous, alice, reviewer = Client(), Client(), Client()
    alice.force_login(world["alice"])
    reviewer.force_login(factories.make_reviewer("rene"))
    first_campaign = world["first"].campaign.slug
    pages = {
        "profile": (anonymous, reverse("public:cooperative", args=[coop.slug])),
        "cycle": (anonymous, reverse("public:cooperative_cycle", args=[coop.slug, first_campaign])),
        "directory": (anonymous, reverse("public:cooperatives") + "?statut=inconnu"),
        "engagement": (alice, reverse("workspace:engagement", args=[coop.slug, 1])),
        "drop": (alice, reverse("workspace:project_drop", args=[coop.slug, carried.pk])),
        "review": (reviewer, reverse("federation:review", args=[draft.pk])),
        "dashboard": (reviewer, reverse("federation:dashboard")),
    }
    files = []
    for name, (client, path) in pages.items():
        response = client.get(path)
        assert response.status_code == 200, name
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(response.content)
    refused = alice.post(
        reverse("workspace:project_drop", args=[coop.slug, carried.pk]), {"reason": ""}
    )
    files.append(tmp_path / "drop-refused.html")
    files[-1].write_bytes(refused.content)

    _stdout, stderr = validator.run_vnu(["--errors-only", "--format", "json", *map(str, files)])

    errors = [
        f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine', '?')}: {m['message']}"
        for m in json.loads(stderr)["messages"]
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    assert errors == [], "\n".join(errors)
