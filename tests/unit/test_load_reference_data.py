"""`make setup` loads the reference data once: an administrator's edits survive the next start."""

import pytest
from django.core.management import call_command

from commitments.models import Engagement, Project
from coops.models import Cooperative

pytestmark = pytest.mark.django_db


def test_it_loads_every_reference_object_into_an_empty_database():
    call_command("load_reference_data")

    assert Engagement.objects.count() == 12
    assert Cooperative.objects.count() == 8
    assert Project.objects.count() == 67


def test_an_admin_edit_survives_a_second_setup():
    call_command("load_reference_data")
    cooperative = Cooperative.objects.order_by("pk").first()
    cooperative.description = "Présentation revue par la fédération."
    cooperative.save()
    project = Project.objects.order_by("pk").first()
    project.title = "Titre corrigé dans l'administration"
    project.save()

    call_command("load_reference_data")

    cooperative.refresh_from_db()
    project.refresh_from_db()
    assert cooperative.description == "Présentation revue par la fédération."
    assert project.title == "Titre corrigé dans l'administration"
    assert Project.objects.count() == 67


def test_a_second_run_adds_what_is_missing_and_new_rows_get_fresh_keys():
    call_command("load_reference_data")
    Project.objects.order_by("pk").first().delete()

    call_command("load_reference_data")
    assert Project.objects.count() == 67
    # The sequences moved past the loaded keys: creating a row does not collide.
    created = Cooperative.objects.create(name="Nouvelle coopérative", slug="nouvelle")
    assert created.pk > 8
