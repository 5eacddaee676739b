"""The task queue in the admin: failed and stuck tasks found, a failed one queued again."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:django_tasks_database_dbtaskresult_changelist")
LEASE = 60


@pytest.fixture(autouse=True)
def lease(settings):
    settings.TASK_LEASE_SECONDS = LEASE


def a_task(subject, status, *, started_ago=None, enqueued_ago=timedelta(0)):
    task = DBTaskResult.objects.create(
        task_path="qualicoop.lib.mail.send_email",
        args_kwargs={"args": [], "kwargs": {"subject": subject, "to": ["alice@example.org"]}},
        backend_name="default",
        status=status,
        worker_ids=["worker-1"] if started_ago is not None else [],
        started_at=None if started_ago is None else timezone.now() - started_ago,
    )
    # Set after the creation, which stamps it with the current time.
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - enqueued_ago)
    return task


@pytest.fixture
def queue():
    return {
        "waiting": a_task("En attente", TaskResultStatus.READY),
        "forgotten": a_task("Oubliée", TaskResultStatus.READY, enqueued_ago=timedelta(hours=2)),
        "running": a_task("En cours", TaskResultStatus.RUNNING, started_ago=timedelta(seconds=5)),
        "lost": a_task("Perdue", TaskResultStatus.RUNNING, started_ago=timedelta(minutes=20)),
        "sent": a_task("Envoyée", TaskResultStatus.SUCCESSFUL, started_ago=timedelta(hours=1)),
        "failed": a_task("Échouée", TaskResultStatus.FAILED, started_ago=timedelta(hours=1)),
    }


def listed(response):
    return sorted(str(task.pk) for task in response.context["cl"].result_list)


def ids(queue, *names):
    return sorted(str(queue[name].pk) for name in names)


def test_it_lists_the_tasks_in_french(admin_client, queue):
    page = admin_client.get(CHANGELIST).content.decode()

    for label in ("Tâches", "État", "Tentatives", "Bloquée depuis", "Échouée", "En cours"):
        assert label in page
    assert "Remettre en file les tâches échouées" in page


def test_it_filters_the_failed_tasks(admin_client, queue):
    response = admin_client.get(CHANGELIST, {"etat": TaskResultStatus.FAILED})

    assert listed(response) == ids(queue, "failed")


def test_it_finds_the_stuck_tasks_and_says_since_when(admin_client, queue):
    response = admin_client.get(CHANGELIST, {"bloquee": "oui"})

    # Running past its lease (its worker is gone), or due long ago (no worker runs).
    assert listed(response) == ids(queue, "forgotten", "lost")
    page = response.content.decode()
    assert "20\xa0minutes" in page
    assert "2\xa0heures" in page


def test_it_queues_a_failed_task_again(admin_client, queue, caplog):
    failed = queue["failed"]

    response = admin_client.post(
        CHANGELIST,
        {"action": "requeue", "_selected_action": [failed.pk, queue["sent"].pk]},
        follow=True,
    )

    again = DBTaskResult.objects.get(pk=failed.pk)
    assert again.status == TaskResultStatus.READY
    assert again.finished_at is None
    assert again in DBTaskResult.objects.ready()
    assert DBTaskResult.objects.get(pk=queue["sent"].pk).status == TaskResultStatus.SUCCESSFUL
    page = response.content.decode()
    assert "1 tâche remise en file." in page
    assert "1 tâche n&#x27;avait pas échoué : laissée telle quelle." in page
    assert (
        f"task_requeued id={failed.pk} name=qualicoop.lib.mail.send_email by=admin" in caplog.text
    )


def test_only_who_may_change_tasks_may_queue_one_again(client, queue):
    viewer = User.objects.create_user("vera", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_dbtaskresult"))
    client.force_login(viewer)

    assert "Remettre en file" not in client.get(CHANGELIST).content.decode()
    client.post(CHANGELIST, {"action": "requeue", "_selected_action": [queue["failed"].pk]})

    assert DBTaskResult.objects.get(pk=queue["failed"].pk).status == TaskResultStatus.FAILED


def test_a_task_opens_read_only(admin_client, queue):
    failed = queue["failed"]
    url = reverse("admin:django_tasks_database_dbtaskresult_change", args=[failed.pk])

    page = admin_client.get(url).content.decode()

    assert "qualicoop.lib.mail.send_email" in page
    assert "Échouée" in page
    assert 'name="_save"' not in page


@pytest.mark.parametrize("forged", ["0", "12", "pas-un-uuid"])
def test_an_id_that_is_no_task_key_is_refused(admin_client, queue, forged):
    response = admin_client.post(CHANGELIST, {"action": "requeue", "_selected_action": [forged]})

    assert response.status_code == 400
    assert DBTaskResult.objects.get(pk=queue["failed"].pk).status == TaskResultStatus.FAILED
