"""Each request is one JSON log line with its id, and that id follows it into the worker."""

import io
import json
import logging

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from qualicoop.lib.request_log import JSONFormatter
from tests.unit.test_mail_tasks import run_worker


@pytest.fixture
def json_lines():
    """What the console handler would print with LOG_FORMAT=json, line by line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    loggers = [logging.getLogger(name) for name in ("qualicoop.requests", "qualicoop.lib.mail")]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger in loggers:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)


@pytest.mark.django_db
def test_it_logs_one_json_line_per_request_with_the_proxys_id(client, json_lines):
    response = client.get("/healthz", headers={"X-Request-ID": "nginx-4f2a9c1e77"})

    assert response["X-Request-ID"] == "nginx-4f2a9c1e77"
    [line] = json_lines()
    assert line["request_id"] == "nginx-4f2a9c1e77"
    assert line["logger"] == "qualicoop.requests"
    assert line["level"] == "INFO"
    assert line["route"] == "healthz"
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert isinstance(line["duration_ms"], float)
    assert line["user_id"] is None
    assert line["message"].startswith("GET healthz 200 ")
    assert line["time"].endswith("+00:00")


@pytest.mark.django_db
@pytest.mark.parametrize("incoming", ["", "court", "a b c d e f g h", "x" * 129, "id\r\nforgé=1"])
def test_it_replaces_an_id_it_cannot_trust(client, json_lines, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})

    made = response["X-Request-ID"]
    assert made != incoming and len(made) == 32
    assert json_lines()[0]["request_id"] == made


@pytest.mark.django_db
def test_it_names_the_signed_in_user_and_the_route(client, staff_a, json_lines):
    client.force_login(staff_a)
    client.get(reverse("workspace:home"))

    line = json_lines()[-1]
    assert line["user_id"] == staff_a.pk
    assert line["route"] == "workspace:home"


# The worker closes its connection after a task, as in production.
@pytest.mark.django_db(transaction=True)
def test_an_email_sent_by_the_worker_logs_the_id_of_the_request_that_queued_it(
    client, staff_a, settings, json_lines
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    response = client.post(
        reverse("accounts:password_reset"),
        {"email": staff_a.email},
        headers={"X-Request-ID": "demande-de-reinitialisation-1"},
    )
    assert response.status_code == 302
    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs["kwargs"]["request_id"] == "demande-de-reinitialisation-1"

    run_worker()

    [sent] = [line for line in json_lines() if line["logger"] == "qualicoop.lib.mail"]
    assert sent["message"] == "email_sent recipients=1 attempt=1"
    assert sent["request_id"] == "demande-de-reinitialisation-1"
