"""A cooperative's API keys: created by a référent, shown once, kept hashed, revoked.

A key reads ``qc_<prefix>_<secret>``: the prefix finds its row (and names it in
lists), the secret is checked against its SHA-256. A fast hash is right here,
unlike for passwords: the secret is 32 random bytes, far beyond any guessing,
so a slow hash would only cost every API request its time. A key works while
it is neither revoked nor expired, and while the one who created it is still a
référent of the cooperative: the API writes in that person's name.
"""

import datetime
import hashlib
import hmac
import secrets

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiKey, Cooperative, Membership

KEY_START = "qc_"
DEFAULT_LIFETIME = datetime.timedelta(days=90)
LONGEST_LIFETIME = datetime.timedelta(days=365)
# ``last_used_at`` is written at most this often: no write on every request.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class ApiKeyError(Exception):
    """A key that may not be created or revoked, with the French reason."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def latest_expiry(today: datetime.date) -> datetime.date:
    return today + LONGEST_LIFETIME


def create_key(
    *,
    cooperative: Cooperative,
    by: User,
    name: str,
    may_read: bool,
    may_write: bool,
    expires_on: datetime.date,
) -> tuple[ApiKey, str]:
    """A new key and its full text, the only time it is known."""
    today = timezone.localdate()
    if not (may_read or may_write):
        raise ApiKeyError(_("Choisissez au moins une portée."))
    if not today <= expires_on <= latest_expiry(today):
        raise ApiKeyError(_("Une clé expire dans un an au plus, et pas avant aujourd'hui."))
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        cooperative=cooperative,
        name=name,
        prefix=prefix,
        secret_hash=hash_secret(secret),
        may_read=may_read,
        may_write=may_write,
        created_by=by,
        expires_on=expires_on,
    )
    return key, f"{KEY_START}{prefix}_{secret}"


def revoke_key(key: ApiKey) -> None:
    """The key stops working at once; its row stays, for the list's record."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])


def usable_key(text: str) -> ApiKey | None:
    """The key written ``text``, if it exists and may be used now; one query."""
    start, _sep, rest = text.partition(KEY_START)
    prefix, _sep, secret = rest.partition("_")
    if start or not prefix or not secret:
        return None
    key = (
        ApiKey.objects.select_related("cooperative", "created_by")
        .annotate(
            creator_is_referent=Exists(
                Membership.objects.filter(
                    user=OuterRef("created_by"),
                    cooperative=OuterRef("cooperative"),
                    role=Membership.Role.REFERENT,
                )
            )
        )
        .filter(prefix=prefix)
        .first()
    )
    if key is None or not hmac.compare_digest(key.secret_hash, hash_secret(secret)):
        return None
    if not key.is_usable(timezone.localdate()) or not key.creator_is_referent:
        return None
    return key


def note_use(key: ApiKey) -> None:
    """``last_used_at`` moved to now, unless it was already within the last minute."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
        key.last_used_at = now
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
