"""Small presentation helpers shared by every page."""

import datetime
import functools
import re

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.utils import translation
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from commitments import indicators
from commitments.models import INTENTION, STAGE_LABELS, ProjectStatus, Status, UpdateState
from coops.people import display_name
from qualicoop.lib import french
from qualicoop.lib.absolute_urls import absolute_url

register = template.Library()

# Status wording, colour and icon are the same everywhere; the icon
# and the words carry the meaning, the colour only repeats it.
STATUS_LOOK = {
    Status.DRAFT: ("status-draft", "pencil-square"),
    Status.SUBMITTED: ("status-submitted", "hourglass-split"),
    Status.CHANGES_REQUESTED: ("status-changes", "exclamation-triangle-fill"),
    Status.VALIDATED: ("status-validated", "check-circle-fill"),
}


@functools.cache
def _decorative_icon(name):
    # A page draws up to a hundred icons: each one's markup (the sprite's hashed
    # URL looked up in the static manifest) is made once per process.
    href = f"{static('img/icons.svg')}#{name}"
    return format_html(
        '<svg class="bi" aria-hidden="true" focusable="false"><use href="{}"></use></svg>', href
    )


@receiver(setting_changed)
def _forget_icons(**kwargs):
    _decorative_icon.cache_clear()


@register.simple_tag
def icon(name, label=""):
    """An icon from the vendored sprite; decorative unless given a label."""
    if label:
        href = f"{static('img/icons.svg')}#{name}"
        return format_html(
            '<svg class="bi" role="img" aria-label="{}"><use href="{}"></use></svg>', label, href
        )
    return _decorative_icon(str(name))


@register.simple_tag
def status_badge(status):
    """The status of a selection as a badge: icon + words + colour."""
    status = Status(status)
    css, icon_name = STATUS_LOOK[status]
    return format_html(
        '<span class="badge status-badge {}">{} {}</span>', css, icon(icon_name), status.label
    )


# Where a project stands, told apart at a glance from an intention.
STAGE_LOOK = {
    INTENTION: ("stage-intention", "lightbulb"),
    ProjectStatus.NOT_STARTED: ("stage-not-started", "circle"),
    ProjectStatus.IN_PROGRESS: ("stage-in-progress", "play-circle"),
    ProjectStatus.DONE: ("stage-done", "check2-circle"),
    ProjectStatus.POSTPONED: ("stage-postponed", "pause-circle"),
    ProjectStatus.ABANDONED: ("stage-abandoned", "x-circle"),
}

UPDATE_STATE_LOOK = {
    UpdateState.DRAFT: ("status-draft", "pencil-square"),
    UpdateState.SUBMITTED: ("status-submitted", "hourglass-split"),
    UpdateState.SENT_BACK: ("status-changes", "exclamation-triangle-fill"),
    UpdateState.PUBLISHED: ("status-validated", "check-circle-fill"),
}


@register.simple_tag
def stage_badge(stage):
    """Where a project stands ("Intention", "En cours"…) as a badge: icon + words + colour."""
    css, icon_name = STAGE_LOOK[stage]
    return format_html(
        '<span class="badge stage-badge {}">{} {}</span>', css, icon(icon_name), STAGE_LABELS[stage]
    )


@register.simple_tag
def update_state_badge(state):
    """Where a progress update is on its way to the public, as a badge."""
    state = UpdateState(state)
    css, icon_name = UPDATE_STATE_LOOK[state]
    return format_html(
        '<span class="badge status-badge {}">{} {}</span>', css, icon(icon_name), state.label
    )


@register.simple_tag
def exemplary_badge():
    """The federation's mark on an exemplary project."""
    return format_html(
        '<span class="badge exemplary-badge">{} {}</span>', icon("award-fill"), _("Exemplaire")
    )


@register.filter
def person_name(user):
    """How a person is named on the pages: full name, else username, or "ancien membre"."""
    return display_name(user)


@register.simple_tag(takes_context=True)
def back_url(context):
    """The page of this site the visitor came from, for a "go back" link; else empty.

    Another site's address is left out: the link would send people away.
    """
    request = context.get("request")
    if request is None:
        return ""
    referer = request.headers.get("Referer", "")
    # A refused post's own address is the form to go back to; a page's is not.
    itself = request.method == "GET" and referer == request.build_absolute_uri()
    if itself or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return referer


@register.filter
def pillar_class(number):
    """CSS class carrying a pillar's colour, for a pillar or engagement number."""
    return f"pillar-{number}"


class CaptureNode(template.Node):
    # Declared so that template inheritance finds blocks nested in the tag.
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        # The rendered nodelist is already escaped: keep it marked safe.
        context[self.name] = mark_safe(self.nodelist.render(context).strip())  # noqa: S308
        return ""


@register.tag
def capture(parser, token):
    """``{% capture as name %}…{% endcapture %}``: render once, reuse as ``{{ name }}``.

    Lets a page's title block feed both ``<title>`` and the Open Graph tags.
    """
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Usage: {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


# Bumped when a setting changes (tests override URLs, languages, static storage):
# every remembered part of the frame is rendered anew.
_frame_generation = 0


@receiver(setting_changed)
def _forget_frame(**kwargs):
    global _frame_generation
    _frame_generation += 1


class SameForAllNode(template.Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.generation = _frame_generation
        self.rendered: dict[str, str] = {}

    def render(self, context):
        if settings.DEBUG:
            # A template edited while the development server runs shows at once.
            return self.nodelist.render(context)
        if self.generation != _frame_generation:
            self.generation, self.rendered = _frame_generation, {}
        language = translation.get_language()
        if language not in self.rendered:
            self.rendered[language] = self.nodelist.render(context)
        return self.rendered[language]


@register.tag
def sameforall(parser, token):
    """``{% sameforall %}…{% endsameforall %}``: rendered once per language and process.

    For the frame of every page (links to the style sheets, the public menu,
    the footer): only URLs, static files and translations, the same for every
    visitor, which cost 1 to 2 ms a page to render anew (17 ``url`` tags and
    some thirty translations, measured in docs/benchmarks.md). Kept in the
    process rather than in the cache: nothing to fetch, and a deployment, which
    is what changes them, starts new processes. Whatever depends on the request
    or the person (the current path, the name, the CSRF token) stays outside.
    """
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("Usage: {% sameforall %}…{% endsameforall %}")
    nodelist = parser.parse(("endsameforall",))
    parser.delete_first_token()
    return SameForAllNode(nodelist)


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """The page's absolute URL without tracking or filter noise, but with its page number.

    On SITE_URL: the page is cached for every visitor, whatever Host one sent.
    """
    request = context["request"]
    url = absolute_url(request.path)
    page = request.GET.get("page", "")
    return f"{url}?page={page}" if page.isdigit() and page != "1" else url


@register.filter
def elided_pages(paginator, number):
    return paginator.get_elided_page_range(number, on_each_side=2, on_ends=1)


@register.filter
def french_number(value):
    """1250.50 as "1 250,5"."""
    return indicators.number(value)


@register.filter
def describe_indicator(indicator):
    """An indicator in one French sentence: its start, its target and their dates."""
    return indicators.describe(indicator)


@register.filter
def of_name(name):
    """ "de" and a name, as French contracts it: "l'équipe {{ name|of_name }}"."""
    return french.of_name(name)


@register.filter(expects_localtime=True)
def long_date(value, parts=""):
    """A date as French writes it ("1er octobre 2028"); ``parts``: "weekday", "time"."""
    if not value:
        return ""
    return french.long_date(value, weekday="weekday" in parts, time="time" in parts)


@register.filter(expects_localtime=True)
def iso_datetime(value):
    """A date or time as ``<time datetime>`` wants it: ISO 8601, to the second.

    ``date:"c"`` keeps the microseconds, which HTML does not accept (three
    decimals at most); a second is precise enough for a history.
    """
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""


@register.simple_tag
def content_lang():
    """`` lang="fr"`` on an element of the federation's own text, in a page in another language.

    Pillars, engagements, projects and cooperatives' texts exist in French only:
    in the English interface, screen readers must read them as French.
    """
    if translation.get_language() == settings.LANGUAGE_CODE:
        return ""
    return format_html(' lang="{}"', settings.LANGUAGE_CODE)


@register.filter
def french_text(value):
    """The federation's own ``value``, in ``<span lang="fr">`` on a page in another language.

    For French text inside a translated sentence ("Pillar 2 · Notre gouvernance
    coopérative"); element content only, never an attribute.
    """
    if translation.get_language() == settings.LANGUAGE_CODE:
        return value
    return format_html('<span lang="{}">{}</span>', settings.LANGUAGE_CODE, value)


@register.simple_tag
def absolute_static(path):
    """A static file's absolute address, on SITE_URL (for og:image, which must be absolute)."""
    url = static(path)
    return url if url.startswith(("http://", "https://")) else absolute_url(url)


# Django's French admin says "Ajout de utilisateur", "Modification de engagement".
_ELISION = re.compile(r"\bde (?=[aeiouyàâäéèêëîïôöûü])", re.IGNORECASE)


@register.filter
def french_elision(title):
    """An admin title with French elision: "Modification d’engagement" (French only)."""
    if not title or translation.get_language() != "fr":
        return title
    return _ELISION.sub("d’", str(title))
