"""An unreachable database answers 503 and when to try again, not a 500 (issue #11).

Before, the outage reached Django's 500 page: monitoring took it for a bug, and
nothing told a browser or a load balancer that it would pass.
"""

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from django.db import InterfaceError, OperationalError

from qualicoop.public import queries

OUTAGE = "Service momentanément indisponible"


@pytest.fixture
def visitor(client):
    # Answer as in production: the error page, not the exception raised in the test.
    client.raise_request_exception = False
    return client


def assert_outage_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    content = response.content.decode()
    assert OUTAGE in content
    assert "réessayez dans une minute" in content
    assert "Traceback" not in content


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("could not connect to server: Connection refused"),
        InterfaceError("connection already closed"),
    ],
)
def test_a_page_whose_query_fails_answers_503(visitor, db, monkeypatch, error):
    def unreachable():
        raise error

    monkeypatch.setattr(queries, "home_page", unreachable)

    assert_outage_page(visitor.get("/"))


def test_a_session_that_cannot_be_read_answers_503(visitor, staff_a, monkeypatch):
    """The session is read by a middleware, before any view."""
    visitor.force_login(staff_a)

    def unreachable(self):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "load", unreachable)

    assert_outage_page(visitor.get("/espace/"))


def test_any_other_failure_is_still_the_500_page(visitor, db, monkeypatch):
    def broken():
        raise RuntimeError("a bug")

    monkeypatch.setattr(queries, "home_page", broken)
    response = visitor.get("/")

    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()
    assert not response.has_header("Retry-After")
