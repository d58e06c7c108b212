"""Import the province's certificate list (CSV or XLSX) into the local certificate registry."""

from __future__ import annotations

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from talentlink.core.audit import Access
from talentlink.core.models import AuditEvent, User
from talentlink.credentials.imports import registry_list_import
from talentlink.credentials.models import RegistryImport
from talentlink.credentials.selectors import registry_import_error_rows


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Import the province's certificate list; a file with any error changes nothing (safe to run again)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--user", required=True, help="the HR bureau or talent office account importing")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def handle(self, *args, **options) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No account {options['user']!r}.")
        access = Access.system(channel=AuditEvent.Channel.COMMAND, user=user)
        try:
            with transaction.atomic(), open(options["path"], "rb") as handle:
                batch = registry_list_import(access=access, upload=File(handle, name=options["path"].name))
                if options["dry_run"]:
                    self._report(batch)
                    raise _DryRun
        except _DryRun:
            self.stdout.write("Dry run: nothing was written.")
            return
        self._report(batch)
        if batch.status == RegistryImport.Status.REJECTED:
            raise CommandError("The file was rejected; nothing was imported.")

    def _report(self, batch: RegistryImport) -> None:
        self.stdout.write(
            f"{batch.get_status_display()}: {batch.total_rows} rows, {batch.created_count} new, "
            f"{batch.updated_count} updated, {batch.withdrawn_count} withdrawn, "
            f"{batch.revoked_count} recognitions revoked"
        )
        for row, column, value, code, _zh, en in registry_import_error_rows(batch=batch):
            self.stdout.write(f"  row {row} {column} {value!r}: {en} ({code})")
