"""Ending every session of one person: "Se déconnecter de tous les appareils", and erasure.

Sessions are kept in the database and read through the cache
(``cached_db``): each one is deleted through the session store, which drops
both copies — deleting the rows alone would leave the cached copies signed in
until they expire. Sessions do not say whose they are without being decoded;
only the live ones are read, and there are as many as people signed in in the
last ``SESSION_COOKIE_AGE``, a few hundred at most here.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.utils import timezone


def end_every_session(user: User) -> int:
    """Delete every live session signed in as ``user``; returns how many there were."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    live = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    # The user's id is kept as a string in the session (django.contrib.auth.login).
    keys = [
        session.session_key
        for session in live.iterator(chunk_size=500)
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    for key in keys:
        store(session_key=key).delete()
    return len(keys)
