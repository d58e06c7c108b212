"""Background work of the registry, run by the configured task backend."""

from __future__ import annotations

from django_tasks import task

from talentlink.registry import services


@task()
def import_run(batch_id: int) -> str:
    """Validate and apply one uploaded city export."""
    return services.import_run_now(batch_id=batch_id).status


@task()
def linkage_run(run_id: int) -> str:
    """Link records into persons: a full re-link, or a new import against the existing persons."""
    from talentlink.registry.linkage import services as linkage

    return linkage.linkage_run_now(run_id=run_id).status
