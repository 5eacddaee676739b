"""French as the portal writes it: dates, and "de" before a cooperative's name.

Django's formats write "1 octobre 2028", and a message saying "l'équipe de
{{ cooperative }}" gave "l'équipe de Les Toits Partagés". Both are written
here once, for the templates (through the ``long_date`` and ``of_name``
filters) and for the messages the domain composes. In another language, dates
follow Django's formats and names come as they are.
"""

import datetime

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

# "de" before a name, as French contracts it with the name's own article.
_CONTRACTIONS = (("Les ", "des "), ("Le ", "du "))
_VOWELS = "AEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜaeiouyàâäéèêëîïôöùûü"


def _in_french() -> bool:
    return (translation.get_language() or "fr").startswith("fr")


def long_date(
    value: datetime.date | datetime.datetime, *, weekday: bool = False, time: bool = False
) -> str:
    """ "30 juin 2028", "1er octobre 2028"; with ``weekday`` the day's name first,
    with ``time`` the hour after ("1er octobre 2028 à 14:05", in the site's time zone)."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    text = date_format(value, "j F Y")
    if value.day == 1 and _in_french():
        text = "1er" + text[1:]
    if weekday:
        text = f"{date_format(value, 'l')} {text}"
    if time:
        text = _("%(date)s à %(time)s") % {"date": text, "time": date_format(value, "H:i")}
    return text


def of_name(name: str) -> str:
    """ "de" and a name, in French: "des Toits Partagés", "du Foyer", "d'Axanis"."""
    name = str(name)
    if not _in_french():
        return name
    for article, contracted in _CONTRACTIONS:
        if name.startswith(article):
            return contracted + name[len(article) :]
    return f"d'{name}" if name[:1] in _VOWELS else f"de {name}"
