"""Re-link every source record into persons, with progress; --dry-run prints what would change."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from talentlink.core.audit import Access
from talentlink.core.models import AuditEvent, User
from talentlink.registry.linkage import runs, services
from talentlink.registry.models import LinkageRun


class Command(BaseCommand):
    help = (
        "Re-link all records of both cities (Splink); clerical decisions are kept. Queued incremental "
        "runs are done by it (superseded). Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would merge and split; change nothing"
        )
        parser.add_argument("--user", help="the account the run is recorded for (default: a superuser)")
        parser.add_argument("--show", type=int, default=50, help="planned changes to print with --dry-run")

    def handle(self, *args, **options) -> None:
        qs = User.objects.filter(is_active=True)
        user = (
            qs.filter(username=options["user"]).first()
            if options["user"]
            else qs.filter(is_superuser=True).first()
        )
        access = Access.system(channel=AuditEvent.Channel.COMMAND, user=user)
        run = services.linkage_run_start(access=access, dry_run=options["dry_run"], enqueue=False)
        self.stdout.write(f"linkage run #{run.pk} on {run.backend}{' (dry run)' if run.dry_run else ''}")
        superseded = LinkageRun.objects.filter(superseded_by=run).count()
        if superseded:
            self.stdout.write(f"  it does the work of {superseded} queued incremental runs")
        report = lambda step: self.stdout.write(f"  {runs.STEPS[step]}")  # noqa: E731
        run = services.linkage_run_now(run_id=run.pk, progress=report)
        if run.status == LinkageRun.Status.FAILED:
            raise CommandError(f"linkage run #{run.pk} failed: {run.failure_text} (details in the log)")
        self.stdout.write(
            f"{run.record_count} records, {run.compared_count} pairs compared, {run.cluster_count} persons "
            f"({run.multi_record_clusters} with several records); {run.merge_count} merges, "
            f"{run.split_count} splits, {run.review_count} pairs for review"
        )
        if run.dry_run:
            for step in run.plan[: options["show"]]:
                moves = ", ".join(f"record {r} from person {p}" for r, p in step["moves"])
                target = f"person {step['target']}" if step["target"] else "a new person"
                self.stdout.write(f"  would {step['kind']}: {moves} → {target}")
