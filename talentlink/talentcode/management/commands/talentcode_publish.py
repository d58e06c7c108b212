"""Publish the signed status lists of every city and the trust list (run every few minutes)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from talentlink.core.models import Region
from talentlink.talentcode import services


class Command(BaseCommand):
    help = (
        "Revoke codes whose holder lost their tier or record, then sign fresh status lists for every "
        "city and a fresh trust list. Safe to run again; schedule it more often than the lists expire."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be revoked, write nothing"
        )

    def handle(self, *args, **options) -> None:
        if options["dry_run"]:
            with transaction.atomic():
                count = services.credentials_revoke_lapsed()
                transaction.set_rollback(True)
            self.stdout.write(f"{count} codes would be revoked; nothing written")
            return
        revoked = services.credentials_revoke_lapsed()
        for region in Region.objects.filter(is_active=True):
            published = services.status_list_publish(region=region)
            self.stdout.write(f"status list {region.code}: valid until {published.expires_at:%Y-%m-%d %H:%M}")
        services.trust_list_publish()
        self.stdout.write(self.style.SUCCESS(f"{revoked} codes revoked; trust list published"))
