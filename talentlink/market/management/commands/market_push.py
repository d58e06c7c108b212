from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from talentlink.market.services import matches_push


class Command(BaseCommand):
    help = (
        "Push new matches of every open job: suggestions to talents (capped a day, in the inbox and by "
        "e-mail) and the count of new candidates to each job's recruiters. Run every hour."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = matches_push()
        self.stdout.write(f"{outcome.suggestions} suggestions, {outcome.shortlists} shortlists.")
