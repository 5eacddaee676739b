"""The documents' pages and the HTML their PDFs are made from are valid HTML (Nu Html Checker).

As ``test_html_validity``: skipped without Java, except in CI.
"""

import io
import json

from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from qualicoop.documents import synthesis
from qualicoop.documents.cooperative import _rendered
from qualicoop.documents.models import SynthesisJob
from qualicoop.documents.rendering import render_html
from tests import factories
from tests.views.test_workspace_spreadsheet import upload


def test_the_documents_pages_are_valid_html(
    validator,
    tmp_path,
    campaign,
    coop_a,
    staff_a,
    reviewer,
    django_capture_on_commit_callbacks,
):
    published = factories.make_published(coop_a, campaign, reviewer)
    draft = factories.make_selection(
        factories.make_coop("Coopérative Gamma"), campaign, numbers=[1, 2], projects_per=2
    )
    staff, federation = Client(), Client()
    staff.force_login(factories.make_user("gaston", coop=draft.cooperative))
    federation.force_login(reviewer)
    slug = draft.cooperative.slug
    book = load_workbook(
        io.BytesIO(staff.get(reverse("workspace:spreadsheet_export", args=[slug])).content)
    )
    book["Projets"]["D2"] = "Titre changé"
    book["Projets"]["B3"] = 13
    with django_capture_on_commit_callbacks(execute=True):
        sent = staff.post(
            reverse("workspace:spreadsheet_import", args=[slug]), {"fichier": upload(book)}
        )
    working = reverse("documents:workspace:working", args=[slug])
    files = {
        "spreadsheet": staff.get(reverse("workspace:spreadsheet", args=[slug])).content,
        "spreadsheet-report": staff.get(sent["Location"]).content,
        "synthesis-empty": federation.get(reverse("documents:federation:synthesis")).content,
        "working-none": staff.get(working).content,
    }
    # Asked, not yet made (its task waits for a commit that never comes here).
    staff.post(working)
    files["working-under-way"] = staff.get(working).content
    factories.make_synthesis_job(campaign, reviewer)
    factories.make_synthesis_job(campaign, reviewer, state=SynthesisJob.State.READY, progress=100)
    files["synthesis-under-way"] = federation.get(reverse("documents:federation:synthesis")).content
    files["pdf-cooperative"] = _rendered(
        published, draft=False, today=campaign.opens_on
    ).html.encode()
    files["pdf-working"] = _rendered(draft, draft=True, today=campaign.opens_on).html.encode()
    figures = synthesis.compute(campaign)
    files["pdf-synthesis"] = render_html(
        synthesis.TEMPLATE, {"synthesis": figures, "campaign": campaign}
    ).html.encode()
    paths = []
    for name, content in files.items():
        path = tmp_path / f"{name}.html"
        path.write_bytes(content)
        paths.append(str(path))

    _stdout, stderr = validator.run_vnu(["--errors-only", "--format", "json", *paths])

    errors = [
        f"{message['url'].rsplit('/', 1)[-1]}:{message.get('lastLine', '?')}: {message['message']}"
        for message in json.loads(stderr)["messages"]
        if message["type"] == "error" or message.get("subType") == "fatal"
    ]
    assert errors == [], "\n".join(errors)
