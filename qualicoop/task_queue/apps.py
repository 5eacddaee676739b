from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class TaskQueueConfig(AppConfig):
    """The task queue run by the site: dead workers' tasks taken back, failures shown."""

    name = "qualicoop.task_queue"
    label = "task_queue"
    verbose_name = _("File de tâches")

    def ready(self):
        from django_tasks_db.models import DBTaskResult

        # The package names its records in English only; the admin speaks French.
        apps.get_app_config("django_tasks_database").verbose_name = _("File de tâches")
        DBTaskResult._meta.verbose_name = _("tâche")
        DBTaskResult._meta.verbose_name_plural = _("tâches")
