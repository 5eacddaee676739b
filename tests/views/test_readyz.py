"""/readyz tells a load balancer whether this server may take traffic, and what is failing."""

import shutil
import socket
import subprocess
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from qualicoop.lib.mail import send_email
from tests.file_store_support import s3_storage_settings

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ready(client):
    response = client.get("/readyz")
    return response.status_code, response.json()


@pytest.fixture
def queue(settings):
    settings.TASKS = DATABASE_QUEUE


def test_it_answers_200_when_every_part_is_ready(client, db, queue):
    status, body = ready(client)

    assert status == 200
    assert body == {
        "status": "ok",
        "failing": [],
        "checks": {
            "database": "ok",
            "cache": "ok",
            "file_store": "ok",
            "queue": {"status": "ok"},
        },
    }


def test_it_is_never_cached(client, db):
    assert "no-cache" in client.get("/readyz")["Cache-Control"]


def test_it_names_the_database_when_it_does_not_answer(client, db, queue):
    with mock.patch("qualicoop.readiness.connection") as connection:
        connection.cursor.side_effect = OperationalError("server closed the connection")
        status, body = ready(client)

    assert status == 503
    assert body["failing"] == ["database", "queue"]


def test_it_names_the_queue_when_a_task_waits_too_long(client, db, queue, settings):
    settings.READINESS_QUEUE_MAX_AGE = 600
    send_email.enqueue(subject="Bonjour", body="…", to=["a@example.org"])
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=20))

    status, body = ready(client)

    assert status == 503
    assert body["failing"] == ["queue"]
    assert 1195 <= body["checks"]["queue"]["oldest_waiting_seconds"] <= 1260


def test_a_task_deferred_to_later_is_not_waiting(client, db, queue):
    send_email.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(
        subject="Bonjour", body="…", to=["a@example.org"]
    )
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(hours=2))

    status, body = ready(client)

    assert status == 200
    assert body["checks"]["queue"] == {"status": "ok"}


def test_it_names_the_file_store_when_the_disk_cannot_hold_it(client, db, settings, tmp_path):
    (tmp_path / "un-fichier").write_text("pas un répertoire")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "un-fichier" / "files")},
        },
    }

    status, body = ready(client)

    assert status == 503
    assert body["failing"] == ["file_store"]


def test_it_names_the_file_store_when_object_storage_is_unreachable(client, db, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage_settings(f"http://127.0.0.1:{_free_port()}", "seau-absent"),
    }

    status, body = ready(client)

    assert status == 503
    assert body["failing"] == ["file_store"]
    assert "127.0.0.1" not in str(body)


def test_it_checks_object_storage_too(client, db, file_store):
    status, body = ready(client)

    assert status == 200
    assert body["checks"]["file_store"] == "ok"


def _start_redis(port, directory):
    server = subprocess.Popen(  # noqa: S603 - a fixed command
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(directory),
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("redis-server ne démarre pas")


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server absent")
def test_it_answers_503_naming_the_cache_when_redis_is_stopped_and_200_when_it_is_back(
    client, db, settings, tmp_path
):
    port = _free_port()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    server = _start_redis(port, tmp_path)
    try:
        assert ready(client)[0] == 200

        server.terminate()
        server.wait(timeout=10)
        status, body = ready(client)
        assert status == 503
        assert body["failing"] == ["cache"]
        assert str(port) not in str(body)

        server = _start_redis(port, tmp_path)
        assert ready(client)[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_it_names_the_cache_when_nothing_listens_at_its_address(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_free_port()}/0",
        }
    }

    status, body = ready(client)

    assert status == 503
    assert body["failing"] == ["cache"]


def test_a_cache_that_hangs_costs_the_probe_its_timeout_and_no_more(client, db, settings):
    # A server that accepts the connection and never answers, like a frozen Redis.
    listener = socket.create_server(("127.0.0.1", 0))
    settings.READINESS_TIMEOUT = 1
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{listener.getsockname()[1]}/0",
        }
    }
    try:
        started = time.monotonic()
        status, body = ready(client)
        elapsed = time.monotonic() - started
    finally:
        listener.close()

    assert status == 503
    assert body["failing"] == ["cache"]
    assert elapsed < 2.5
