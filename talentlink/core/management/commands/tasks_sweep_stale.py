"""Fail the background jobs whose worker stopped (no heartbeat), so that they can be retried."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from talentlink.core import heartbeat


class Command(BaseCommand):
    help = (
        "Mark running imports and linkage runs without a heartbeat for TALENTLINK_STALE_AFTER_SECONDS "
        "as failed (their worker was killed), with the task results left running. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be failed, change nothing"
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        swept = heartbeat.stale_sweep(dry_run=dry_run)
        verb = "would fail" if dry_run else "failed"
        for label, pk in swept.jobs:
            self.stdout.write(f"{verb} {label} #{pk}: its worker stopped")
        self.stdout.write(
            f"{len(swept.jobs)} stale job(s) {verb}, {swept.task_results} task result(s) left running failed"
        )
