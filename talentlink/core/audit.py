"""Who read or changed what, through which page or endpoint (PIPL accountability)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from talentlink.core.models import AuditEvent, User
from talentlink.core.throttle import client_ip  # behind the TLS proxy, the client in X-Forwarded-For


@dataclass(frozen=True, slots=True)
class Access:
    """The acting user and the channel they act through, handed to every service."""

    user: User | None
    channel: str
    path: str = ""
    ip_address: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest) -> Access:
        path = request.path
        if path.startswith("/api/"):
            channel = AuditEvent.Channel.API
        elif "/admin/" in path:
            channel = AuditEvent.Channel.ADMIN
        else:
            channel = AuditEvent.Channel.PAGE
        user = request.user if request.user.is_authenticated else None
        return cls(user=user, channel=channel, path=path[:300], ip_address=client_ip(request))

    @classmethod
    def system(cls, *, channel: str = AuditEvent.Channel.COMMAND, user: User | None = None) -> Access:
        return cls(user=user, channel=channel)


def audit_record(
    *,
    access: Access,
    action: str,
    object_type: str,
    object_id: Any = "",
    object_label: str = "",
    object_region: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit log; a refusal keeps the object's type, id and region but
    never its label (the actor was refused that object, so the log must not show it to their city)."""
    user = access.user
    if action == AuditEvent.Action.DENIED:
        object_label = ""
    return AuditEvent.objects.create(
        actor=user,
        actor_username=user.username if user else "",
        actor_role=user.role if user else "",
        actor_region=user.region.code if user and user.region else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_label=object_label[:200],
        object_region=object_region,
        channel=access.channel,
        path=access.path,
        ip_address=access.ip_address,
        detail=detail or {},
    )
