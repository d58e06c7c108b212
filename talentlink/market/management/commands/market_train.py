from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from talentlink.market.services import ranker_train


class Command(BaseCommand):
    help = (
        "Train the matching's ranking models (LightGBM LambdaMART: talents for a job, jobs for a talent) "
        "on the feedback log; each orders matches only if it beat the hand-weighted score on the newest "
        "queries. Run daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        models = ranker_train()
        if not models:
            self.stdout.write("Too little feedback to train on yet: matches stay in the hand-weighted order.")
            return
        for model in models:
            verdict = "in use" if model.is_active else "not in use (the hand-weighted score did as well)"
            self.stdout.write(
                f"Model #{model.pk} ({model.side}): {model.queries} queries, {model.pairs} pairs; "
                f"NDCG@10 on held-out queries {model.ndcg:.3f} against {model.ndcg_hand:.3f} for the "
                f"hand-weighted score; {verdict}."
            )
