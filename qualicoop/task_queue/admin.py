"""The task queue in the admin, in French: what failed, what is stuck, failed tasks queued again.

Replaces django-tasks-db's own admin. Tasks are records of the workers' work:
nobody adds, edits or deletes one here; an administrator may only queue a
failed one again.
"""

from datetime import datetime

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_tasks import TaskResultStatus

# Imported first so that the package's admin is registered, then replaced here.
from django_tasks_db import admin as package_admin  # noqa: F401
from django_tasks_db.models import DBTaskResult, get_date_max

from .recovery import ATTEMPTS, attempts, lease, requeue_failed

STATUS_LABELS = {
    TaskResultStatus.READY: _("En attente"),
    TaskResultStatus.RUNNING: _("En cours"),
    TaskResultStatus.SUCCESSFUL: _("Réussie"),
    TaskResultStatus.FAILED: _("Échouée"),
}


def blocked(now: datetime) -> Q:
    """Tasks stuck for longer than the lease.

    Running: their worker is gone (a worker takes them back soon, unless none
    runs). Waiting although due: no worker takes the queue at all.
    """
    since = now - lease()
    return Q(status=TaskResultStatus.RUNNING, started_at__lt=since) | Q(
        Q(run_after=get_date_max(), enqueued_at__lt=since) | Q(run_after__lt=since),
        status=TaskResultStatus.READY,
    )


def blocked_since(result: DBTaskResult, now: datetime) -> datetime | None:
    """Since when the task has been running or due, if that is longer than the lease."""
    if result.status == TaskResultStatus.RUNNING:
        since = result.started_at
    elif result.status == TaskResultStatus.READY:
        since = result.enqueued_at if result.run_after == get_date_max() else result.run_after
    else:
        return None
    return since if since is not None and since < now - lease() else None


class StatusFilter(admin.SimpleListFilter):
    title = _("état")
    parameter_name = "etat"

    def lookups(self, request, model_admin):
        return list(STATUS_LABELS.items())

    def queryset(self, request, queryset):
        if self.value() in STATUS_LABELS:
            return queryset.filter(status=self.value())
        return queryset


class BlockedFilter(admin.SimpleListFilter):
    title = _("bloquée")
    parameter_name = "bloquee"

    def lookups(self, request, model_admin):
        return [("oui", _("Oui"))]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(blocked(timezone.now()))
        return queryset


admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskAdmin(admin.ModelAdmin):
    list_display = (
        "task_label",
        "status_label",
        "attempts_count",
        "enqueued",
        "finished",
        "blocked_for",
    )
    list_filter = (StatusFilter, BlockedFilter)
    ordering = ["-enqueued_at"]
    actions = ["requeue"]
    fields = readonly_fields = (
        "id",
        "task_label",
        "status_label",
        "attempts_count",
        "enqueued",
        "due",
        "started",
        "finished",
        "blocked_for",
        "workers",
        "arguments",
        "returned",
        "error",
    )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_requeue_permission(self, request: HttpRequest) -> bool:
        # Queuing a task again changes it: the right to change tasks.
        return request.user.has_perm("django_tasks_database.change_dbtaskresult")

    @admin.display(description=_("tâche"), ordering="task_path")
    def task_label(self, result: DBTaskResult) -> str:
        return result.task_path

    @admin.display(description=_("état"), ordering="status")
    def status_label(self, result: DBTaskResult) -> str:
        return str(STATUS_LABELS.get(result.status, result.status))

    @admin.display(description=_("tentatives"))
    def attempts_count(self, result: DBTaskResult) -> str:
        return f"{attempts(result)}/{ATTEMPTS}"

    @admin.display(description=_("mise en file le"), ordering="enqueued_at")
    def enqueued(self, result: DBTaskResult) -> datetime:
        return result.enqueued_at

    @admin.display(description=_("à exécuter dès le"))
    def due(self, result: DBTaskResult) -> datetime | None:
        return None if result.run_after == get_date_max() else result.run_after

    @admin.display(description=_("commencée le"), ordering="started_at")
    def started(self, result: DBTaskResult) -> datetime | None:
        return result.started_at

    @admin.display(description=_("terminée le"), ordering="finished_at")
    def finished(self, result: DBTaskResult) -> datetime | None:
        return result.finished_at

    @admin.display(description=_("bloquée depuis"))
    def blocked_for(self, result: DBTaskResult) -> str | None:
        now = timezone.now()
        since = blocked_since(result, now)
        return None if since is None else timesince(since, now)

    @admin.display(description=_("workers"))
    def workers(self, result: DBTaskResult) -> str:
        return ", ".join(result.worker_ids)

    @admin.display(description=_("arguments"))
    def arguments(self, result: DBTaskResult) -> str:
        return format_html("<pre>{}</pre>", result.args_kwargs)

    @admin.display(description=_("résultat"))
    def returned(self, result: DBTaskResult) -> object:
        return result.return_value

    @admin.display(description=_("erreur"))
    def error(self, result: DBTaskResult) -> str | None:
        if not result.traceback:
            return None
        return format_html("<pre>{}</pre>", result.traceback)

    @admin.action(description=_("Remettre en file les tâches échouées"), permissions=["requeue"])
    def requeue(self, request: HttpRequest, queryset: QuerySet[DBTaskResult]) -> None:
        chosen = list(queryset)
        queued = sum(requeue_failed(result, by=request.user.get_username()) for result in chosen)
        if queued:
            self.message_user(
                request,
                ngettext(
                    "%(count)s tâche remise en file.", "%(count)s tâches remises en file.", queued
                )
                % {"count": queued},
                messages.SUCCESS,
            )
        if len(chosen) > queued:
            self.message_user(
                request,
                ngettext(
                    "%(count)s tâche n'avait pas échoué : laissée telle quelle.",
                    "%(count)s tâches n'avaient pas échoué : laissées telles quelles.",
                    len(chosen) - queued,
                )
                % {"count": len(chosen) - queued},
                messages.WARNING,
            )
