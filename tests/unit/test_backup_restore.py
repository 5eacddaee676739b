"""A backup restores into an empty database with nothing lost."""

import io
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from commitments import workflow
from commitments.models import Project, Selection, Transition
from tests import factories


def dump_everything():
    out = io.StringIO()
    call_command(
        "dumpdata",
        format="json-exact",
        natural_foreign=True,
        natural_primary=True,
        exclude=["contenttypes", "auth.permission", "sessions"],
        indent=1,
        stdout=out,
    )
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_it_restores_a_backup_without_loss(tmp_path, seed, coop_a, staff_a, reviewer):
    campaign = factories.make_campaign()
    draft = factories.make_selection(coop_a, campaign, numbers=range(1, 9), by=staff_a)
    workflow.submit_selection(selection=draft, by=staff_a, message="Première soumission")
    workflow.request_changes(selection=draft, by=reviewer, message="Précisez le projet 3.")
    project = Project.objects.filter(choice__selection=draft).first()
    project.description = "Texte <b>échappé</b>, accents é è ç, « guillemets » et \x7f."
    project.save()
    # Below the millisecond: Django's own JSON would round this time away.
    Transition.objects.filter(selection=draft).update(
        created_at=datetime(2026, 3, 1, 9, 30, 0, 417, tzinfo=UTC)
    )
    before = dump_everything()
    counts = (User.objects.count(), Selection.objects.count(), Transition.objects.count())

    backup_file = tmp_path / "sauvegarde.json.gz"
    call_command("backup", portable=True, output=str(backup_file))
    call_command("flush", interactive=False, verbosity=0)
    assert not User.objects.exists()

    call_command("restore", str(backup_file))

    assert (User.objects.count(), Selection.objects.count(), Transition.objects.count()) == counts
    assert dump_everything() == before
    assert User.objects.get(username="alice").check_password(factories.PASSWORD)


@pytest.mark.django_db
def test_it_refuses_to_restore_over_existing_data(tmp_path, staff_a):
    backup_file = tmp_path / "sauvegarde.json.gz"
    call_command("backup", portable=True, output=str(backup_file))
    with pytest.raises(CommandError, match="n'est pas vide"):
        call_command("restore", str(backup_file))


@pytest.mark.django_db
def test_it_says_when_the_file_is_missing(tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        call_command("restore", str(tmp_path / "absent.json.gz"))
