"""django-tasks' database worker, which first fails the jobs a killed worker left running.

A worker restarted after SIGKILL (or a crash of its machine) does not take up the task it was
running: django-tasks leaves its result "running" and the job with it. Sweeping at start fails those
whose heartbeat stopped (core.heartbeat), so that staff see why and can retry them.
"""

from __future__ import annotations

import logging
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from talentlink.core import heartbeat

logger = logging.getLogger(__name__)


class Command(DatabaseWorkerCommand):
    help = f"{DatabaseWorkerCommand.help}, after failing the jobs whose worker stopped"

    def handle(self, *args: Any, **options: Any) -> None:
        swept = heartbeat.stale_sweep()
        if swept.jobs or swept.task_results:
            logger.warning(
                "stale jobs failed at worker start: %s; task results: %s",
                ", ".join(f"{label} #{pk}" for label, pk in swept.jobs) or "none",
                swept.task_results,
            )
        super().handle(*args, **options)
