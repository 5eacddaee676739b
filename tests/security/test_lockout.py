"""Failed logins lock an account, never a whole address; behind the proxy, the client's address.

Every request here reaches the site as it does in production: from the HTTPS
proxy (one TCP peer, REMOTE_ADDR), which names the client in X-Forwarded-For.
Before, django-axes counted the proxy's address: five failures with made-up
usernames locked every visitor out, and five for one account locked it from
everywhere.
"""

import logging
from datetime import timedelta

import pytest
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client, RequestFactory
from django.urls import reverse

from tests import factories

PROXY = "127.0.0.1"
HOME = "203.0.113.10"  # where Alice works
ELSEWHERE = "198.51.100.20"
LIMIT = 5  # failures of one account from one address (AXES_FAILURE_LIMIT)
ACCOUNT_LIMIT = 20  # failures of one account from everywhere


@pytest.fixture
def production(settings, axes_on):
    """The lockout on, behind one proxy, with the production limits."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.LOGIN_LOCKS = {("username", "ip_address"): LIMIT, ("username",): ACCOUNT_LIMIT}
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


@pytest.fixture
def alice(db):
    return factories.make_user("alice")


def log_in(username, *, forwarded_for, password=factories.PASSWORD):
    """A login through the proxy, from a browser of its own."""
    return Client().post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def fail(username, *, forwarded_for, times=1):
    for _ in range(times):
        log_in(username, password="pas-le-bon", forwarded_for=forwarded_for)


def assert_logged_in(response):
    assert response.status_code == 302, response.status_code
    assert response["Location"] == reverse("workspace:home")


def assert_locked_out(response):
    assert response.status_code == 429, response.status_code
    assert "Connexion temporairement bloquée" in response.content.decode()


def age_attempts(minutes):
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def test_made_up_usernames_from_many_addresses_lock_nobody_out(production, alice):
    for number in range(3 * LIMIT):
        fail(f"inconnu-{number}", forwarded_for=f"192.0.2.{number + 1}")

    assert_logged_in(log_in("alice", forwarded_for=HOME))


def test_made_up_usernames_from_one_office_do_not_lock_its_colleagues_out(production, alice):
    for number in range(3 * LIMIT):
        fail(f"inconnu-{number}", forwarded_for=HOME)

    assert_logged_in(log_in("alice", forwarded_for=HOME))


def test_failures_for_an_account_lock_it_from_their_address_only(production, alice):
    fail("alice", forwarded_for=HOME, times=LIMIT)

    assert_locked_out(log_in("alice", forwarded_for=HOME))
    assert_logged_in(log_in("alice", forwarded_for=ELSEWHERE))


def test_failures_for_an_account_from_everywhere_lock_it_everywhere(production, alice):
    # Fewer than the limit of one address each, but more than the account's in all.
    for number in range(ACCOUNT_LIMIT // (LIMIT - 1)):
        fail("alice", forwarded_for=f"192.0.2.{number + 1}", times=LIMIT - 1)

    assert_locked_out(log_in("alice", forwarded_for=ELSEWHERE))


def test_fewer_failures_than_the_account_limit_from_everywhere_lock_nothing(production, alice):
    for number in range(ACCOUNT_LIMIT - 1):
        fail("alice", forwarded_for=f"192.0.2.{number + 1}")

    assert_logged_in(log_in("alice", forwarded_for=ELSEWHERE))


def test_a_forged_forwarded_for_is_read_from_the_right(production, alice):
    """The client writes what it likes on the left; the proxy appends the true address."""
    for number in range(LIMIT):
        fail("alice", forwarded_for=f"192.0.2.{number + 1}, {HOME}")

    assert_locked_out(log_in("alice", forwarded_for=f"192.0.2.99, {HOME}"))
    assert_logged_in(log_in("alice", forwarded_for=f"{HOME}, {ELSEWHERE}"))


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "client"),
    [
        # Straight to the site: the header is the client's own word.
        (0, HOME, PROXY),
        (1, HOME, HOME),
        (1, f"192.0.2.1, {HOME}", HOME),
        (1, f"192.0.2.1, 192.0.2.2, {HOME}", HOME),
        # Two proxies: the first one's address is the header's last entry.
        (2, f"192.0.2.1, {HOME}, 10.0.0.2", HOME),
    ],
)
def test_it_reads_the_client_address_past_the_trusted_proxies(
    settings, proxies, forwarded_for, client
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)

    assert get_client_ip_address(request) == client


def test_the_lockout_page_says_how_long_is_left(production, alice):
    fail("alice", forwarded_for=HOME, times=LIMIT - 1)

    response = log_in("alice", forwarded_for=HOME, password="toujours-pas")

    assert_locked_out(response)
    assert "Réessayez dans 15 minutes." in response.content.decode()
    assert response["Retry-After"] == str(15 * 60)

    age_attempts(minutes=3)
    response = log_in("alice", forwarded_for=HOME)

    assert_locked_out(response)
    assert "Réessayez dans 12 minutes." in response.content.decode()


def test_trying_again_while_locked_out_does_not_restart_the_wait(production, alice):
    fail("alice", forwarded_for=HOME, times=LIMIT)
    age_attempts(minutes=14)

    response = log_in("alice", forwarded_for=HOME)

    assert "Réessayez dans 1 minute." in response.content.decode()
    age_attempts(minutes=2)
    assert_logged_in(log_in("alice", forwarded_for=HOME))


def test_the_security_log_names_the_client_not_the_proxy(production, alice, caplog):
    with caplog.at_level(logging.WARNING, logger="qualicoop.security"):
        fail("alice", forwarded_for=f"192.0.2.1, {HOME}")

    lines = [
        record.getMessage() for record in caplog.records if record.name == "qualicoop.security"
    ]
    assert lines == [f"login_failed username='alice' address={HOME}"]


def test_failures_count_against_the_account_whichever_of_its_names_was_typed(production, alice):
    """Spelling the address differently gives no fresh allowance of guesses."""
    for typed in ("alice", "alice@example.org", "Alice@Example.org", "ALICE@EXAMPLE.ORG"):
        fail(typed, forwarded_for=HOME)
    fail("aLiCe@example.org", forwarded_for=HOME)

    assert_locked_out(log_in("alice", forwarded_for=HOME))
    assert_locked_out(log_in("Alice@example.org", forwarded_for=HOME))
    assert_logged_in(log_in("ALICE@example.org", forwarded_for=ELSEWHERE))
