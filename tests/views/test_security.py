"""Security headers on every response, and the login lockout."""

import logging

import pytest

from tests.factories import PASSWORD, make_user


@pytest.mark.django_db
def test_it_sends_the_security_headers(client):
    response = client.get("/compte/connexion/")
    csp = response["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if "script-src" in part)
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    # Each lock has its own limit: the account from one address after 3 failures.
    settings.LOGIN_LOCKS = {("username", "ip_address"): 3, ("username",): 20}
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "qualicoop.accounts.backends.SignedInUserBackend",
    ]


@pytest.mark.django_db
def test_it_locks_an_account_out_after_repeated_failures(client, lockout):
    make_user("claire")
    for _ in range(3):
        client.post("/compte/connexion/", {"username": "claire", "password": "mauvais"})
    response = client.post("/compte/connexion/", {"username": "claire", "password": PASSWORD})
    assert response.status_code == 429
    assert "Connexion temporairement bloquée" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_it_lets_a_correct_password_in_below_the_limit(client, lockout):
    make_user("claire")
    client.post("/compte/connexion/", {"username": "claire", "password": "mauvais"})
    response = client.post("/compte/connexion/", {"username": "claire", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


@pytest.mark.django_db
def test_it_logs_each_failed_login_on_one_line(client, caplog):
    with caplog.at_level(logging.WARNING, logger="qualicoop.security"):
        client.post("/compte/connexion/", {"username": "mallory", "password": "x"})
    lines = [r.getMessage() for r in caplog.records if r.name == "qualicoop.security"]
    assert lines == ["login_failed username='mallory' address=127.0.0.1"]
