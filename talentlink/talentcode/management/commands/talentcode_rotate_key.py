"""Rotate a city's signing key (or the platform's trust-list key)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from talentlink.core.audit import Access
from talentlink.core.models import AuditEvent, Region
from talentlink.talentcode import services


class Command(BaseCommand):
    help = (
        "Start a new signing key for a city; the old one stops signing now and stays in the trust list "
        "until the last code it signed has expired. Without --region, rotates the trust-list key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", help="administrative code of the city, e.g. 330200")
        parser.add_argument("--dry-run", action="store_true", help="say what would happen, write nothing")

    def handle(self, *args, **options) -> None:
        region = None
        if options["region"]:
            region = Region.objects.filter(code=options["region"], is_active=True).first()
            if region is None:
                raise CommandError(f"No active region {options['region']!r}.")
        target = region.code if region else "the trust list"
        if options["dry_run"]:
            self.stdout.write(f"would rotate the signing key of {target}")
            return
        key = services.signing_key_rotate(
            region=region, access=Access.system(channel=AuditEvent.Channel.COMMAND)
        )
        self.stdout.write(self.style.SUCCESS(f"{target}: new key {key.kid}, trust list republished"))
