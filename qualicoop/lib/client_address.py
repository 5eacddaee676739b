"""The client's address, behind the HTTPS proxy: not the TCP peer's.

Behind a proxy every request comes from the proxy's own address (REMOTE_ADDR).
The proxy appends the address it was reached from to ``X-Forwarded-For``, after
whatever the client wrote there itself: only the entries on the right, one per
trusted proxy, are true; the ones further left may be forged.

django-axes asks this module for the address it counts failed logins by
(``AXES_CLIENT_IP_CALLABLE``), and the security log writes the same one. The
header is parsed by django-ipware; the number of proxies is read at each
request from ``TRUSTED_PROXY_COUNT``, the one setting of the deployment.
"""

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip


def client_address(request: HttpRequest) -> str | None:
    """The client's address, past ``settings.TRUSTED_PROXY_COUNT`` proxies."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies == 0:
        # Straight from the client: a forwarded-for header is its own word.
        return request.META.get("REMOTE_ADDR")
    # Behind proxies the TCP peer is the nearest proxy, never the client: the header
    # alone is read, counting django-ipware's way, the proxies named in it after the
    # client (the nearest one is not named: the header comes from it). Not strict:
    # a header with more entries than that, forged on the left, is read from the
    # right instead of being thrown away.
    address, _routable = get_client_ip(
        request,
        proxy_count=proxies - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return address
