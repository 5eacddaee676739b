"""/compte/donnees-personnelles/: what is kept, why, how long; the rights and whom to write to."""

import os
import subprocess
import sys
from html import unescape

from django.conf import settings
from django.urls import reverse

URL = reverse("accounts:privacy")


def test_it_tells_anyone_what_is_kept_why_and_for_how_long(client, db, settings):
    settings.CONTACT_EMAIL = "donnees@federation.example.org"

    response = client.get(URL)

    content = unescape(response.content.decode())
    assert response.status_code == 200
    assert "<h1" in content and "Données personnelles" in content
    for kept in ("Votre compte", "Vos rattachements", "L'historique de vos actions"):
        assert kept in content
    assert "Le journal des connexions" in content
    assert "3 jours après l'envoi" in content
    assert "Sans connexion pendant 2 ans, il est effacé." in content
    assert "prévenu par courriel 30 jours avant" in content
    assert "« ancien membre »" in content
    assert 'href="mailto:donnees@federation.example.org"' in content


def test_it_is_linked_from_every_footer(client, reference, staff_a):
    link = f'<a href="{URL}">Données personnelles</a>'
    assert link in client.get(reverse("public:home")).content.decode()
    client.force_login(staff_a)
    assert link in client.get(reverse("workspace:home"), follow=True).content.decode()


def test_signed_in_people_get_their_download_from_it(client, staff_a):
    client.force_login(staff_a)

    content = client.get(URL).content.decode()

    assert reverse("accounts:data_export") in content


def test_the_contact_address_comes_from_the_environment():
    read = "from django.conf import settings; print(settings.CONTACT_EMAIL)"
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}

    def contact(**extra):
        return subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", read],
            cwd=settings.BASE_DIR,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout.strip()

    env.pop("CONTACT_EMAIL", None)
    assert contact() == "qualicoop@example.org"
    assert contact(CONTACT_EMAIL="rgpd@example.org") == "rgpd@example.org"
