from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from talentlink.market.services import ranker_train


class Command(BaseCommand):
    help = (
        "Train the matching's ranking model (LightGBM LambdaMART) on the feedback log; it orders "
        "matches only if it beat the hand-weighted score on the newest jobs. Run daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        model = ranker_train()
        if model is None:
            self.stdout.write("Too little feedback to train on yet: matches stay in the hand-weighted order.")
            return
        verdict = "in use" if model.is_active else "not in use (the hand-weighted score did as well)"
        self.stdout.write(
            f"Model #{model.pk}: {model.queries} jobs, {model.pairs} pairs; NDCG@10 on held-out jobs "
            f"{model.ndcg:.3f} against {model.ndcg_hand:.3f} for the hand-weighted score; {verdict}."
        )
