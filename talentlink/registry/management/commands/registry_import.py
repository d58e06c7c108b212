"""Import a city's export file from the command line, with a progress bar."""

from __future__ import annotations

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from talentlink.core.audit import Access
from talentlink.core.models import AuditEvent, Role, User
from talentlink.registry import imports, services
from talentlink.registry.models import ImportBatch, SourceSystem
from talentlink.registry.parsing import error_message


class Command(BaseCommand):
    help = "Validate and import a city's registry export (CSV or XLSX). Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--source", required=True, help="source system code, e.g. ningbo-talent-db")
        parser.add_argument("--user", help="the talent office account the import is made for")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def handle(self, *args, **options) -> None:
        source = SourceSystem.objects.select_related("region").filter(code=options["source"]).first()
        if source is None:
            raise CommandError(f"No source system {options['source']!r}.")
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        if options["dry_run"]:
            with tqdm(desc="validating", unit=" rows", disable=None) as bar:
                outcome = imports.file_validate(source, path, _bar(bar))
            self._print_findings(outcome)
            return
        user = self._user(options.get("user"), source)
        access = Access.system(channel=AuditEvent.Channel.COMMAND, user=user)
        with open(path, "rb") as handle:
            batch = services.import_submit(
                access=access,
                source_system=source,
                upload=File(handle, name=path.name),
                enqueue=False,
            )
        if batch.status == ImportBatch.Status.DUPLICATE:
            self.stdout.write(f"import #{batch.pk}: this file was already imported; nothing to do")
            return
        with tqdm(unit=" rows", disable=None) as bar:
            batch = services.import_run_now(batch_id=batch.pk, progress=_bar(bar))
        self.stdout.write(
            f"import #{batch.pk}: {batch.status}, {batch.total_rows} rows, {batch.created_count} new, "
            f"{batch.updated_count} updated, {batch.unchanged_count} unchanged, {batch.error_count} errors, "
            f"{batch.warning_count} warnings ({batch.flagged_count} rows flagged)"
        )
        if batch.status == ImportBatch.Status.REJECTED:
            raise CommandError("the file has errors and was not imported; see the error report")

    def _user(self, username: str | None, source: SourceSystem) -> User:
        qs = User.objects.filter(is_active=True)
        user = (
            qs.filter(username=username).first()
            if username
            else qs.filter(role=Role.TALENT_OFFICE, region=source.region).first()
            or qs.filter(is_superuser=True).first()
        )
        if user is None:
            raise CommandError("No talent office account to import for; pass --user.")
        return user

    def _print_findings(self, outcome: imports.ScanOutcome) -> None:
        self.stdout.write(
            f"{outcome.total} rows, {outcome.error_count} errors, {outcome.warning_count} warnings"
        )
        for kind, found in (("error", outcome.errors), ("warning", outcome.warnings)):
            for row, e in found[:50]:
                reason = error_message(e.code, e.params, "en")
                self.stdout.write(f"  {kind}: row {row} {e.column} {e.value!r}: {reason}")
        if outcome.error_count:
            raise CommandError("the file has errors")


def _bar(bar: tqdm):
    def report(phase: str, done: int, total: int) -> None:
        bar.set_description(phase)
        if total and bar.total != total:
            bar.reset(total=total)
        bar.n = done
        bar.refresh()

    return report
