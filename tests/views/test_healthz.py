from unittest import mock

from django.db import OperationalError


def test_it_answers_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_it_answers_503_when_the_database_does_not(client, db):
    with mock.patch("qualicoop.health.connection") as connection:
        connection.cursor.side_effect = OperationalError("server closed the connection")
        response = client.get("/healthz")
    assert response.status_code == 503


def test_it_is_never_cached(client, db):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]
