"""System checks of the deployment, run by ``manage.py check`` and before ``migrate``."""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.caches)
def cache_shared_by_every_app_server(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn that an unshared production cache leaves the site correct but slower.

    Settings already keep sessions in the database and the page cache off then
    (``SHARED_CACHE``): nothing is wrong, but Redis, or saying the site has one
    app server, would give both back.
    """
    if settings.DEBUG or settings.SHARED_CACHE:
        return []
    return [
        checks.Warning(
            f"The cache ({settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}) is not "
            "shared by every app server: sessions are read from the database and the public "
            "page cache is off.",
            hint="Set REDIS_URL to a Redis that every app server uses; or, if the site runs on "
            "this one server only, with a file cache, set SINGLE_APP_SERVER=true.",
            id="qualicoop.W001",
        )
    ]
