from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from talentlink.market.services import jobs_expire


class Command(BaseCommand):
    help = "Mark published jobs whose validity ended as expired (daily; the job board hides them already)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{jobs_expire()} jobs expired.")
