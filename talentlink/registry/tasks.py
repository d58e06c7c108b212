"""Background work of the registry, run by the configured task backend."""

from __future__ import annotations

from django_tasks import task

from talentlink.registry import services


@task()
def import_run(batch_id: int) -> str:
    """Validate and apply one uploaded city export."""
    return services.import_run_now(batch_id=batch_id).status
