"""One delivery attempt: the address checked, the body signed, the answer recorded.

Outgoing requests are aimed by our users, so the portal must not be made to
call its own network (SSRF). Unless ``WEBHOOKS_ALLOW_PRIVATE`` is on (tests,
development), an address is taken only over HTTPS and only if every address its
host resolves to is public: no private, loopback, link-local, multicast or
reserved one, IPv4 or IPv6. The connection then goes to the address that was
checked, not to a second resolution of the name (which a hostile DNS server
could answer differently); TLS still checks the certificate against the name.

The signature (README, "Webhooks"): ``X-QualiCoop-Timestamp`` holds the Unix
time of the attempt, ``X-QualiCoop-Signature`` is ``sha256=`` and the hex
HMAC-SHA256, keyed with the endpoint's secret, of ``<timestamp>.<body>``: a
receiver that refuses an old timestamp refuses a replayed body.
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qualicoop.lib.time_limit import TimeLimitExceeded, time_limit

from .models import EXCERPT_CHARS, Attempt, Delivery

# Each attempt waits at most this long to connect, then for each read.
TIMEOUT_SECONDS = 5
# And this long in all: a receiver sending its answer a byte at a time holds the
# worker no longer (the worker's alarm, qualicoop.lib.time_limit).
ATTEMPT_SECONDS = 20
# Waits before the second to the fifth attempt; the fifth failure gives up.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
ATTEMPTS = len(RETRY_DELAYS) + 1
USER_AGENT = "QualiCoop-Webhooks/1"


PRIVATE_ADDRESS = gettext_lazy("L'adresse mène à un réseau privé ou réservé : elle est refusée.")


class RefusedAddress(ValueError):
    """An address the portal will not call; the message is French, for people."""


def check_url(url: str) -> None:
    """The address's form: scheme, no credentials, a host. Asked by the form and before sending."""
    parts = urlsplit(url)
    allowed = {"https", "http"} if settings.WEBHOOKS_ALLOW_PRIVATE else {"https"}
    if parts.scheme not in allowed:
        raise RefusedAddress(_("L'adresse doit commencer par https://."))
    if parts.username or parts.password:
        raise RefusedAddress(_("L'adresse ne doit pas contenir d'identifiant ni de mot de passe."))
    if not parts.hostname:
        raise RefusedAddress(_("L'adresse doit nommer un serveur."))
    if not settings.WEBHOOKS_ALLOW_PRIVATE and _names_this_network(parts.hostname):
        raise RefusedAddress(PRIVATE_ADDRESS)


def _names_this_network(host: str) -> bool:
    """Said at once, without asking DNS: "localhost" or a private address written out."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not _is_public(ipaddress.ip_address(host))
    except ValueError:
        return False


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    # ``is_global`` excludes private, loopback, link-local, reserved and shared
    # ranges; some multicast ranges count as global, hence the second test.
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> str:
    """The address to connect to, every address of the host checked; or ``RefusedAddress``."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise RefusedAddress(_("Le nom du serveur est introuvable.")) from error
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]
    if not settings.WEBHOOKS_ALLOW_PRIVATE and not all(map(_is_public, addresses)):
        raise RefusedAddress(PRIVATE_ADDRESS)
    return str(addresses[0])


def signature(secret: str, timestamp: str, body: bytes) -> str:
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def _connection(scheme: str, host: str, port: int, address: str) -> http.client.HTTPConnection:
    """A connection to ``address`` (already checked) that still speaks to ``host``.

    ``http.client`` opens its socket through ``_create_connection``: given the
    checked address, it never resolves the name again; the Host header and the
    TLS certificate check keep the name.
    """
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = http.client.HTTPSConnection(
            host, port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT_SECONDS)

    def create_connection(_address, timeout, source_address=None):
        return socket.create_connection((address, port), timeout, source_address)

    connection._create_connection = create_connection  # type: ignore[attr-defined]
    return connection


@dataclass
class Answer:
    status_code: int | None = None
    error: str = ""
    excerpt: str = ""
    refused: bool = False

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, secret: str, body: bytes, headers: dict[str, str]) -> Answer:
    """Send ``body`` once; never raises for the network or the receiver."""
    try:
        check_url(url)
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = resolve(host, port)
    except RefusedAddress as refusal:
        return Answer(error=str(refusal), refused=True)
    except ValueError as error:  # a port out of range
        return Answer(error=str(error)[:EXCERPT_CHARS], refused=True)
    timestamp = str(int(time.time()))
    connection = _connection(parts.scheme, host, port, address)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        with time_limit(ATTEMPT_SECONDS):
            connection.request(
                "POST",
                path,
                body=body,
                headers={
                    **headers,
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    "X-QualiCoop-Timestamp": timestamp,
                    "X-QualiCoop-Signature": signature(secret, timestamp, body),
                },
            )
            response = connection.getresponse()
            excerpt = response.read(EXCERPT_CHARS).decode("utf-8", "replace")
        return Answer(status_code=response.status, excerpt=excerpt)
    except (OSError, http.client.HTTPException, TimeLimitExceeded) as error:
        return Answer(error=repr(error)[:EXCERPT_CHARS])
    finally:
        connection.close()


def body_of(delivery: Delivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()


def attempt(delivery_id: int, *, now: datetime) -> datetime | None:
    """Try a delivery once; the time of the next try, or ``None`` when it is done.

    The attempt is recorded whatever happens. A refused address is final; a
    network error or an answer other than 2xx is tried again after the next
    delay of ``RETRY_DELAYS``, until ``ATTEMPTS``.
    """
    delivery = (
        Delivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, state__in=[Delivery.State.PENDING, Delivery.State.RETRYING])
        .first()
    )
    if delivery is None:
        return None
    answer = post(
        delivery.endpoint.url,
        delivery.endpoint.secret,
        body_of(delivery),
        {"X-QualiCoop-Event": delivery.event, "X-QualiCoop-Delivery": str(delivery.pk)},
    )
    delivery.attempts += 1
    delivery.next_attempt_at = None
    if answer.delivered:
        delivery.state = Delivery.State.DELIVERED
    elif answer.refused:
        delivery.state = Delivery.State.REFUSED
    elif delivery.attempts >= ATTEMPTS:
        delivery.state = Delivery.State.FAILED
    else:
        delivery.state = Delivery.State.RETRYING
        delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            at=now,
            status_code=answer.status_code,
            error=answer.error,
            response_excerpt=answer.excerpt,
        )
        delivery.save(update_fields=["attempts", "state", "next_attempt_at"])
    return delivery.next_attempt_at
