"""Delete uploaded registry exports once their retention period is over (run daily)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from talentlink.registry import storage


class Command(BaseCommand):
    help = (
        "Delete the uploaded files of registry imports that finished more than "
        "TALENTLINK_IMPORT_FILE_RETENTION_DAYS ago (the imports keep their outcome and report), seal "
        "files stored before sealing, and delete old files no import refers to. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list what would change; change nothing")
        parser.add_argument(
            "--days", type=int, help="retention in days (default: TALENTLINK_IMPORT_FILE_RETENTION_DAYS)"
        )

    def handle(self, *args, **options) -> None:
        days = settings.TALENTLINK_IMPORT_FILE_RETENTION_DAYS if options["days"] is None else options["days"]
        verbose = options["verbosity"] > 1 or options["dry_run"]
        outcome = storage.import_files_purge(
            days=days, dry_run=options["dry_run"], report=self.stdout.write if verbose else None
        )
        verb = "would be" if options["dry_run"] else "were"
        self.stdout.write(
            f"retention {days} days: {outcome.deleted} import files {verb} deleted, {outcome.sealed} sealed, "
            f"{outcome.orphans} files of no import {verb} deleted"
        )
