from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class CoreConfig(AppConfig):
    # This module holds a second AppConfig (and imports a third): name the one for "talentlink.core".
    default = True
    name = "talentlink.core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from talentlink.core.middleware import staff_session_start

        user_logged_in.connect(staff_session_start, dispatch_uid="core.staff_session_start")


class TasksDatabaseConfig(TasksAppConfig):
    """django_tasks_db as installed here: its name, the back office's heading, is a plain English
    string there ("Tasks Database Backend"), so it is given one the catalogues translate."""

    # django_tasks_db's class infers str from its plain string; Django's AppConfig takes a lazy one.
    verbose_name = _("Background tasks")  # type: ignore[assignment]
