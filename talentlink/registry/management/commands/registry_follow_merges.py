"""Hand what the apps still hold for persons merged before the apps followed merges to their successors."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from talentlink.registry.linkage import propagation


class Command(BaseCommand):
    help = (
        "Move what experts, credentials, benefits, talent codes, registrations and accounts still hold "
        "for merged persons to the person each was merged into (undoable with the merge). Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would move; change nothing")

    def handle(self, *args, **options) -> None:
        counts = propagation.earlier_merges_follow(dry_run=options["dry_run"])
        if not counts:
            self.stdout.write("nothing is left on merged persons")
            return
        verb = "would follow" if options["dry_run"] else "followed"
        for label, n in sorted(counts.items()):
            self.stdout.write(f"{label}: {verb} the merges of {n} persons")
