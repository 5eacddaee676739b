"""Small presentation helpers shared by every page."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from commitments.models import Status

register = template.Library()

# Status wording, colour and icon are the same everywhere (DESIGN.md); the icon
# and the words carry the meaning, the colour only repeats it.
STATUS_LOOK = {
    Status.DRAFT: ("status-draft", "pencil-square"),
    Status.SUBMITTED: ("status-submitted", "hourglass-split"),
    Status.CHANGES_REQUESTED: ("status-changes", "exclamation-triangle-fill"),
    Status.VALIDATED: ("status-validated", "check-circle-fill"),
}


@register.simple_tag
def icon(name, label=""):
    """An icon from the vendored sprite; decorative unless given a label."""
    href = f"{static('img/icons.svg')}#{name}"
    if label:
        return format_html(
            '<svg class="bi" role="img" aria-label="{}"><use href="{}"></use></svg>', label, href
        )
    return format_html(
        '<svg class="bi" aria-hidden="true" focusable="false"><use href="{}"></use></svg>', href
    )


@register.simple_tag
def status_badge(status):
    """The status of a selection as a badge: icon + words + colour."""
    status = Status(status)
    css, icon_name = STATUS_LOOK[status]
    return format_html(
        '<span class="badge status-badge {}">{} {}</span>', css, icon(icon_name), status.label
    )


@register.filter
def pillar_class(number):
    """CSS class carrying a pillar's colour, for a pillar or engagement number."""
    return f"pillar-{number}"
