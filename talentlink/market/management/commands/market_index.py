from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from talentlink.market.services import index_build


class Command(BaseCommand):
    help = (
        "Build the matching's candidate indexes (BM25 and skills of every open profile and job, with "
        "their hard-filter facts) and put them in use. Run hourly; profiles and jobs changed since "
        "the last build are ranked from the database beside it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        folder = index_build()
        self.stdout.write(f"Index built in {time.perf_counter() - started:.1f} s: {folder}")
