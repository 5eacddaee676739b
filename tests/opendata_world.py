"""A small published world whose open-data files hold every kind of value (decimals, one
negative, booleans, dates, a publication time), each dataset with rows; its files downloaded."""

import datetime

from django.test import Client

from commitments.models import CatalogueIndicator, Project
from tests import factories
from tests.opendata_support import make_indicator, post_update


def publish_every_kind_of_value(reviewer):
    """A cooperative's published project (exemplary), an indicator of the federation's
    catalogue with decimal values, a published update."""
    selection = factories.make_published(
        factories.make_coop("Coop Alpha"), factories.make_campaign(), reviewer
    )
    project = Project.objects.filter(choice__selection=selection).order_by("pk").first()
    Project.objects.filter(pk=project.pk).update(is_exemplary=True)
    common = CatalogueIndicator.objects.create(code="logements", label="Logements", unit="u")
    indicator = make_indicator(
        project,
        baseline="-3.25",
        target="120.5",
        values=[(datetime.date(2025, 3, 1), "30.75")],
        catalogue=common,
    )
    post_update(project, values=[(indicator, "45.5", datetime.date(2025, 6, 1))], reviewer=reviewer)
    return project


def download(url: str, folder, name: str | None = None):
    """The file served at ``url``, kept in ``folder`` under its own name (or ``name``)."""
    response = Client().get(url)
    assert response.status_code == 200, url
    body = b"".join(response.streaming_content) if response.streaming else response.content
    path = folder / (name or url.rsplit("/", 1)[-1])
    path.write_bytes(body)
    return path
