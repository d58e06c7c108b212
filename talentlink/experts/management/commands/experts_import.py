"""Import a city's expert database export from the command line (all rows or none)."""

from __future__ import annotations

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from talentlink.core.audit import Access
from talentlink.core.models import AuditEvent, Region, Role, User
from talentlink.experts import imports, selectors


class Command(BaseCommand):
    help = "Validate and import a city's expert database export (CSV or XLSX). Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--region", required=True, help="the city's administrative code, e.g. 330200")
        parser.add_argument("--user", help="the talent office account the import is made for")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def handle(self, *args, **options) -> None:
        region = Region.objects.filter(code=options["region"]).first()
        if region is None:
            raise CommandError(f"No region {options['region']!r}.")
        if not options["path"].is_file():
            raise CommandError(f"No file {options['path']}.")
        user = self._user(options.get("user"), region)
        access = Access.system(channel=AuditEvent.Channel.COMMAND, user=user)
        with transaction.atomic():
            with options["path"].open("rb") as handle:
                record = imports.experts_import(
                    access=access, region=region, upload=File(handle, name=options["path"].name)
                )
            if options["dry_run"]:
                transaction.set_rollback(True)
        for row in selectors.expert_import_error_rows(record=record):
            self.stderr.write(f"row {row[0]} · {row[1]} · {row[2]}: {row[4]} / {row[5]}")
        if record.errors:
            raise CommandError(f"{len(record.errors)} errors; nothing was imported.")
        verb = "would create or update" if options["dry_run"] else "created or updated"
        self.stdout.write(
            self.style.SUCCESS(f"{record.total_rows} rows: {verb} {record.written} expert profiles.")
        )

    def _user(self, username: str | None, region: Region) -> User:
        users = User.objects.filter(role=Role.TALENT_OFFICE, region=region, is_active=True)
        user = users.filter(username=username).first() if username else users.order_by("id").first()
        if user is None:
            raise CommandError("No talent office account of this city; pass --user.")
        return user
