"""What changed in a selection: between two submissions, and edit by edit.

``workflow.submit_selection`` freezes the content of every submission in
``Transition.snapshot``. Reviewers receiving a resubmission want to read only
what the cooperative changed since they last decided: ``since_decision_diff``
compares the submission they sent back with the latest one, whatever the
cooperative withdrew in between; ``published_diff`` compares a reopened or
carried version with the validated one, public. Engagements added or removed,
projects added, removed or edited (matched by their public id), the changed
words marked. ``edit_history`` reads the django-simple-history records of
the selection's choices and projects: who changed what, and when.
"""

import copy
import datetime
import difflib
import re
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Field
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from qualicoop.lib import french

from .models import Choice, Engagement, Project, Selection, Status, Transition
from .workflow import snapshot_of


# Field of a project snapshot -> its label, in the order a reader expects.
def _label(name: str) -> StrOrPromise:
    # Lazy: the label is read in the language of the page that shows it.
    return cast(Field, Project._meta.get_field(name)).verbose_name


# The snapshot's "measures": the project's indicators, one sentence each.
PROJECT_FIELDS = {
    **{name: _label(name) for name in Project.EDITABLE_FIELDS},
    "measures": gettext_lazy("indicateurs chiffrés"),
}

# A token is a word with the whitespace that follows it: a rewritten sentence
# reads as one deletion and one insertion, not as words interleaved around
# matching spaces; the author's spacing and line breaks are kept.
_TOKENS = re.compile(r"\S+\s*|\s+")


def word_diff(old, new):
    """``old`` → ``new`` as escaped HTML, changed words in ``<del>``/``<ins>``."""
    old_tokens = _TOKENS.findall(old or "")
    new_tokens = _TOKENS.findall(new or "")
    parts = []
    matcher = difflib.SequenceMatcher(a=old_tokens, b=new_tokens, autojunk=False)
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        removed = "".join(old_tokens[old_start:old_end])
        added = "".join(new_tokens[new_start:new_end])
        if operation == "equal":
            parts.append(conditional_escape(added))
            continue
        if removed:
            parts.append(format_html('<del class="diff-removed">{}</del>', removed))
        if added:
            parts.append(format_html('<ins class="diff-added">{}</ins>', added))
    # Every part above is either escaped text or built by format_html.
    return mark_safe("".join(parts))  # noqa: S308


def _measures_diff(old_project, new_project):
    """The indicators' sentences, each added, removed or changed one marked.

    Matched by the indicator's public id; a snapshot frozen before they had
    one holds the sentences only, compared as one text.
    """
    old_lines = old_project.get("measure_lines")
    new_lines = new_project.get("measure_lines")
    if old_lines is None or new_lines is None:
        return word_diff(old_project.get("measures", ""), new_project.get("measures", ""))
    parts = []
    for key, sentence in new_lines.items():
        before = old_lines.get(key)
        if before is None:
            parts.append(format_html('<ins class="diff-added">{}</ins>', sentence))
        else:
            parts.append(word_diff(before, sentence))
    parts += [
        format_html('<del class="diff-removed">{}</del>', sentence)
        for key, sentence in old_lines.items()
        if key not in new_lines
    ]
    # Every part is escaped text or built by format_html.
    return mark_safe("<br>".join(parts))  # noqa: S308


def display_value(name, value):
    """A snapshot value as a reader sees it (a French date, a progress label)."""
    if not value:
        return ""
    if name == "target_date":
        return french.long_date(datetime.date.fromisoformat(value))
    if name == "progress":
        return str(Project.Progress(value).label) if value in Project.Progress.values else value
    return value


@dataclass
class FieldChange:
    label: StrOrPromise
    html: str


@dataclass
class ProjectChange:
    id: int
    title: str
    # For an added or removed project: its (label, text) fields; for an
    # edited one: the fields that changed.
    fields: list = field(default_factory=list)
    moved_from: int | None = None


@dataclass
class EngagementChanges:
    number: int
    title: str
    pillar: int | None
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    edited: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.added or self.removed or self.edited)


@dataclass
class SelectionDiff:
    previous: Transition | None = None
    latest: Transition | None = None
    # The reviewers' decision on ``previous`` (their request for changes).
    decision: Transition | None = None
    added_engagements: list = field(default_factory=list)
    removed_engagements: list = field(default_factory=list)
    engagements: list = field(default_factory=list)

    @property
    def has_changes(self):
        return bool(self.added_engagements or self.removed_engagements or self.engagements)


def _projects_by_id(snapshot):
    """Every project of a snapshot, by id, with the number of its engagement."""
    projects = {}
    for number, engagement in (snapshot or {}).get("engagements", {}).items():
        for project in engagement.get("projects", []):
            projects[project["id"]] = (int(number), project)
    return projects


def _fields_of(project):
    return [
        (label, display_value(name, project.get(name, "")))
        for name, label in PROJECT_FIELDS.items()
        if project.get(name)
    ]


def diff_snapshots(old, new):
    """Compare two submission snapshots (see ``workflow.snapshot_of``).

    Engagements are told as (number, title, pillar number): the pillar gives
    them their colour.
    """
    pillars = dict(Engagement.objects.values_list("number", "pillar__number"))
    old_engagements = {int(n): e for n, e in (old or {}).get("engagements", {}).items()}
    new_engagements = {int(n): e for n, e in (new or {}).get("engagements", {}).items()}
    both = {**old_engagements, **new_engagements}
    result = SelectionDiff(
        added_engagements=[
            (n, both[n]["title"], pillars.get(n))
            for n in sorted(new_engagements.keys() - old_engagements.keys())
        ],
        removed_engagements=[
            (n, both[n]["title"], pillars.get(n))
            for n in sorted(old_engagements.keys() - new_engagements.keys())
        ],
    )
    old_projects = _projects_by_id(old)
    new_projects = _projects_by_id(new)
    changes = {
        number: EngagementChanges(number, both[number]["title"], pillars.get(number))
        for number in sorted(both)
    }
    for project_id, (number, project) in new_projects.items():
        if project_id not in old_projects:
            changes[number].added.append(
                ProjectChange(project_id, project["title"], _fields_of(project))
            )
            continue
        old_number, old_project = old_projects[project_id]
        edited = [
            FieldChange(
                label,
                _measures_diff(old_project, project)
                if name == "measures"
                else word_diff(
                    display_value(name, old_project.get(name, "")),
                    display_value(name, project.get(name, "")),
                ),
            )
            for name, label in PROJECT_FIELDS.items()
            if old_project.get(name, "") != project.get(name, "")
        ]
        if edited or old_number != number:
            changes[number].edited.append(
                ProjectChange(
                    project_id,
                    project["title"],
                    edited,
                    moved_from=old_number if old_number != number else None,
                )
            )
    for project_id, (number, project) in old_projects.items():
        if project_id not in new_projects:
            changes[number].removed.append(
                ProjectChange(project_id, project["title"], _fields_of(project))
            )
    result.engagements = [change for change in changes.values() if change]
    return result


def _submitted(transitions):
    return [t for t in transitions if t.to_status == Status.SUBMITTED and t.snapshot]


def since_decision_diff(selection, transitions=None):
    """The latest submission against the one the reviewers last sent back, or None.

    A submission the cooperative withdrew was never decided on: the reviewers
    compare with what they asked to change. Without a request for changes on
    this version, their last decision is the validation of the version it was
    reopened or carried from, which ``published_diff`` compares with.
    ``transitions`` may be the selection's already loaded transitions, in
    chronological order, to spare a query.
    """
    if transitions is None:
        transitions = list(selection.transitions.order_by("created_at", "pk"))
    requests = [i for i, t in enumerate(transitions) if t.to_status == Status.CHANGES_REQUESTED]
    if not requests:
        return None
    decided_at = requests[-1]
    decided_on = _submitted(transitions[:decided_at])
    since = _submitted(transitions[decided_at + 1 :])
    if not decided_on or not since:
        return None
    previous, latest = decided_on[-1], since[-1]
    result = diff_snapshots(previous.snapshot, latest.snapshot)
    result.previous, result.latest = previous, latest
    result.decision = transitions[decided_at]
    return result


@dataclass
class PublishedDiff(SelectionDiff):
    """``SelectionDiff`` against the published version: ``published`` is that selection."""

    published: Any = None


def _by_identity(snapshot, identities):
    """The snapshot with each project's row id replaced by its public id.

    A reopened or carried version's projects are copies with new row ids;
    the public id is what a project keeps from one version to the next.
    """
    for engagement in snapshot.get("engagements", {}).values():
        for project in engagement.get("projects", []):
            project["id"] = identities.get(project["id"], project["id"])
    return snapshot


def published_diff(selection):
    """The selection's content against the cooperative's published version, or None.

    None when the selection is itself the published one or nothing is
    published. The content compared is the latest submission's snapshot when
    the selection is submitted (what the reviewers decide on), else the
    content as it stands.
    """
    if selection.status == Status.VALIDATED:
        # A validated version is either the published one or one it replaced.
        return None
    published = Selection.objects.published_of(selection.cooperative_id)
    if published is None:
        return None
    identities = dict(
        Project.objects.filter(choice__selection__in=[selection, published]).values_list(
            "pk", "public_id"
        )
    )
    submission = (
        selection.transitions.filter(to_status=Status.SUBMITTED, snapshot__isnull=False)
        .order_by("-created_at", "-pk")
        .first()
        if selection.status == Status.SUBMITTED
        else None
    )
    new = submission.snapshot if submission is not None else snapshot_of(selection)
    # Copies: the stored snapshot must not change under the caller.
    old = _by_identity(copy.deepcopy(snapshot_of(published)), identities)
    new = _by_identity(copy.deepcopy(new), identities)
    diff = diff_snapshots(old, new)
    return PublishedDiff(
        added_engagements=diff.added_engagements,
        removed_engagements=diff.removed_engagements,
        engagements=diff.engagements,
        published=published,
    )


# Project fields whose change is worth telling a reviewer (not the bookkeeping).
HISTORY_FIELDS = [*Project.EDITABLE_FIELDS, "position"]


@dataclass
class HistoryEvent:
    date: datetime.datetime
    user: object
    kind: str  # "added", "changed" or "removed"
    engagement_number: int | None
    pillar_number: int | None
    project_title: str = ""  # empty for an engagement chosen or removed
    changed: list = field(default_factory=list)  # labels of the fields changed


@dataclass
class EditHistory:
    events: list
    total: int

    @property
    def hidden(self):
        return self.total - len(self.events)


_KINDS = {"+": "added", "~": "changed", "-": "removed"}


def edit_history(selection, *, current_choices, limit=50):
    """The latest ``limit`` edits of a selection's engagements and projects.

    ``current_choices`` are the selection's choices, already loaded: copied
    selections are created in bulk, without history, so their choices are
    only known from the live rows. Three queries, whatever the history's size.
    """
    choice_records = list(
        Choice.history.filter(selection_id=selection.pk)
        .select_related("history_user", "engagement__pillar")
        .order_by("history_date", "history_id")
    )
    engagement_of_choice = {choice.pk: choice.engagement for choice in current_choices}
    engagement_of_choice.update({record.id: record.engagement for record in choice_records})
    events = [
        HistoryEvent(
            record.history_date,
            record.history_user,
            _KINDS[record.history_type],
            record.engagement.number,
            record.engagement.pillar.number,
        )
        for record in choice_records
        if record.history_type != "~"
    ]
    previous: dict[int, Any] = {}
    for record in (
        Project.history.filter(choice_id__in=engagement_of_choice.keys())
        .select_related("history_user")
        .order_by("history_date", "history_id")
    ):
        before = previous.get(record.id)
        previous[record.id] = record
        changed = []
        if record.history_type == "~" and before is not None:
            changed = [
                str(_label(name))
                for name in HISTORY_FIELDS
                if getattr(before, name) != getattr(record, name)
            ]
            if not changed:
                continue
        engagement = engagement_of_choice[record.choice_id]
        events.append(
            HistoryEvent(
                record.history_date,
                record.history_user,
                _KINDS[record.history_type],
                engagement.number,
                engagement.pillar.number,
                record.title,
                changed,
            )
        )
    events.sort(key=lambda event: event.date, reverse=True)
    return EditHistory(events[:limit], len(events))
