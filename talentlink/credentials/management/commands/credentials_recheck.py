"""Ask the certificate registry again about every recognised certificate; revoke the withdrawn."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from talentlink.core.audit import Access
from talentlink.core.models import AuditEvent
from talentlink.credentials.services import recognitions_recheck


class Command(BaseCommand):
    help = (
        "Re-check recognised certificates against the registry; revoke those it withdrew (safe to run again)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would be revoked, change nothing"
        )

    def handle(self, *args, **options) -> None:
        access = Access.system(channel=AuditEvent.Channel.COMMAND)
        outcome = recognitions_recheck(
            access=access,
            dry_run=options["dry_run"],
            progress=lambda done: self.stdout.write(f"  {done} checked"),
        )
        self.stdout.write(
            f"{outcome['checked']} checked, {outcome['withdrawn']} withdrawn"
            f"{' (dry run: not revoked)' if options['dry_run'] else ' and revoked'}, "
            f"{outcome['failed']} could not be checked"
        )
