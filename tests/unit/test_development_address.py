"""`make run PORT=8101`: every absolute link names the port actually served.

Without SITE_URL, development takes the address from the HOST and PORT that
`make run` passes to the settings; the links of e-mails, PDFs and pages are
all built from SITE_URL.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from coops import invitations
from qualicoop.documents import cooperative as cooperative_pdf
from qualicoop.lib import file_store
from tests import factories
from tests.unit.test_documents import pdf_text

MAKEFILE = Path(settings.BASE_DIR) / "Makefile"


def _site_url(**env):
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SITE_URL", "HOST", "PORT", "DJANGO_SETTINGS_MODULE", "DEBUG"}
    }
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings; print(settings.SITE_URL)",
        ],
        cwd=settings.BASE_DIR,
        env={**clean, "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_development_takes_its_address_from_host_and_port():
    assert _site_url(HOST="127.0.0.1", PORT="8101") == "http://127.0.0.1:8101"
    assert _site_url() == "http://127.0.0.1:8000"
    # Served on every interface: reached on this machine through the loopback.
    assert _site_url(HOST="0.0.0.0", PORT="8102")  # noqa: S104 == "http://127.0.0.1:8102"
    # A SITE_URL given by hand still wins.
    assert _site_url(PORT="8101", SITE_URL="http://portail.test:9000") == "http://portail.test:9000"


def test_make_run_passes_its_host_and_port_to_the_settings():
    text = MAKEFILE.read_text()
    assert "run: export HOST := $(HOST)" in text
    assert "run: export PORT := $(PORT)" in text


@pytest.fixture
def served_on_8101(settings):
    settings.SITE_URL = _site_url(HOST="127.0.0.1", PORT="8101")
    return settings.SITE_URL


@pytest.mark.django_db
def test_the_invitation_link_names_the_served_port(
    served_on_8101, coop_a, staff_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invite(
            cooperative=coop_a, email="camille@example.org", role="contributor", by=staff_a
        )

    (message,) = mail.outbox
    assert re.search(r"http://127\.0\.0\.1:8101/compte/invitation/\S+/", message.body)


@pytest.mark.django_db
def test_the_canonical_link_names_the_served_port(served_on_8101, client, reference):
    response = client.get("/")

    assert '<link rel="canonical" href="http://127.0.0.1:8101/">' in response.content.decode()


@pytest.mark.django_db
def test_the_pdf_profile_link_names_the_served_port(served_on_8101, reference, coop_a, reviewer):
    campaign = factories.make_campaign()
    selection = factories.make_published(coop_a, campaign, reviewer)

    document = cooperative_pdf.refresh(selection.pk)

    assert document is not None
    text = pdf_text(file_store.read(document.key))
    assert "http://127.0.0.1:8101" + coop_a.get_absolute_url() in text.replace("\n", "")
