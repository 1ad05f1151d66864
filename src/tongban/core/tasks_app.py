"""django-tasks-db's app under a Chinese name in the admin (its own is the fixed English "Tasks Database
Backend"); the labels of its model and fields are Chinese through locale/zh_Hans."""

from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = _("后台任务")
