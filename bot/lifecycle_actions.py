"""The buttons of the daemon's notices (Keep 1h, Stop now, Resume, ...): action id → handler.

A notice reaches its owner in a DM or, for an unowned pod, the notice channel, where anyone
can see the buttons: each handler checks that the person who clicked owns the pod (or is
an admin; anyone with the member role for a pod nobody owns) before doing anything, and
every click that changes something is written to the audit log with its outcome. The
dispatcher merges these with the bot's own handlers; the answer replaces the message
holding the button.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from bot.dispatch import ActionHandler, Caller
from podwarden.adapters.slack import render_lifecycle as ids
from podwarden.adapters.slack.reply import Reply, Section
from podwarden.domain.access import Role, may
from podwarden.domain.errors import InputError
from podwarden.domain.ledger_values import AuditOutcome, PodRecord
from podwarden.domain.models import Cloud, EndpointSpec, PodSpec
from podwarden.errors import RunPodError

if TYPE_CHECKING:
    from podwarden.bootstrap import Services

T = TypeVar("T")


def lifecycle_actions(services: Services) -> dict[str, ActionHandler]:
    buttons = _Buttons(services)
    return {
        ids.KEEP_1H: buttons.keep_1h,
        ids.KEEP_TOMORROW: buttons.keep_tomorrow,
        ids.STOP_NOW: buttons.stop_now,
        ids.RESUME: buttons.resume,
        ids.RELAUNCH: buttons.relaunch,
        ids.MIN_WORKERS_0: buttons.min_workers_0,
        ids.CLAIM: buttons.claim,
        ids.TERMINATE: buttons.terminate,
        ids.KEEP_STOPPED: buttons.keep_stopped,
        ids.EXTEND_DEADLINE: buttons.extend_deadline,
    }


class _Buttons:
    def __init__(self, services: Services) -> None:
        self._s = services

    # -- idle warnings and deadlines -------------------------------------------------------------
    def keep_1h(self, value: str, caller: Caller) -> Reply:
        return self._keep(value, caller, until=self._now() + timedelta(hours=1), why="Keep 1h")

    def keep_tomorrow(self, value: str, caller: Caller) -> Reply:
        zone = self._s.settings.zone
        local = self._now().astimezone(zone)
        tomorrow = (local + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
        return self._keep(value, caller, until=tomorrow, why="Keep until tomorrow")

    def _keep(self, pod_id: str, caller: Caller, *, until: datetime, why: str) -> Reply:
        pod = self._allowed(pod_id, caller)
        now = self._now()
        self._s.ledger.snooze_pod(pod.id, until=until, by=caller.user_id, now=now, reason=why)
        self._s.ledger.audit(caller.user_id, "keep", at=now, target=pod.id,
                             args={"until": until, "button": why}, outcome=AuditOutcome.OK)
        shown = until.astimezone(self._s.settings.zone).strftime("%a %H:%M")
        return Reply(title=f"Kept {pod.name} until {shown} ({self._s.settings.timezone}).",
                     sections=(Section(lines=("It will not be stopped for being idle before then.",)),),
                     data={"pod_id": pod.id, "until": until})

    def extend_deadline(self, pod_id: str, caller: Caller) -> Reply:
        pod = self._allowed(pod_id, caller)
        now = self._now()
        memory = self._s.ledger.lifecycle_state().get(pod.id)
        current = memory.deadline_at if memory is not None and memory.deadline_at is not None else now
        deadline = max(current, now) + timedelta(hours=1)
        self._s.ledger.set_pod_deadline(pod.id, deadline, now=now)
        self._s.ledger.audit(caller.user_id, "keep", at=now, target=pod.id, args={"deadline": deadline})
        return Reply(title=f"{pod.name} now runs until {deadline:%H:%M} UTC.", data={"deadline_at": deadline})

    def stop_now(self, pod_id: str, caller: Caller) -> Reply:
        pod = self._allowed(pod_id, caller)
        self._run(caller, "stop", pod.id, lambda: self._s.runpod.stop_pod(pod.id), before=self._stopped_by_us)
        return Reply(title=f"Stopped {pod.name}. Nothing was deleted; Resume brings it back.",
                     data={"pod_id": pod.id, "status": "EXITED"})

    def resume(self, pod_id: str, caller: Caller) -> Reply:
        pod = self._allowed(pod_id, caller)
        self._run(caller, "resume", pod.id, lambda: self._s.runpod.resume_pod(pod.id, gpu_count=pod.gpu_count))
        return Reply(title=f"Resuming {pod.name} ({pod.gpu_count} × {pod.gpu_type_id}).",
                     data={"pod_id": pod.id, "status": "RUNNING"})

    # -- evictions, storage, ownership, endpoints ------------------------------------------------
    def relaunch(self, pod_id: str, caller: Caller) -> Reply:
        pod = self._allowed(pod_id, caller)
        if pod.gpu_type_id is None:
            raise InputError(f"{pod.name} has no GPU type on record; start a new pod with `start`.")
        live = self._s.runpod.get_pod(pod.id)  # the image, template, ports and env to copy
        spec = PodSpec(
            name=f"{pod.name}-ondemand", gpu_type_id=pod.gpu_type_id, gpu_count=pod.gpu_count,
            image=live.image, template_id=live.template_id, cloud=pod.cloud or Cloud.SECURE, spot=False,
            container_disk_gb=max(pod.container_disk_gb, 1), volume_gb=pod.volume_gb,
            network_volume_id=pod.network_volume_id, ports=live.ports or "8888/http,22/tcp", env=live.env,
        )
        created = self._run(caller, "relaunch", pod.id, lambda: self._s.runpod.create_pod(spec))
        self._s.ledger.observe_pods([created], now=self._now(), owners={created.id: pod.owner_id or caller.user_id})
        return Reply(title=f"Relaunched {pod.name} on-demand as {created.name} ({created.id}).",
                     data={"pod_id": created.id, "cost_per_hr": created.cost_per_hr})

    def terminate(self, pod_id: str, caller: Caller) -> Reply:
        pod = self._allowed(pod_id, caller)
        self._run(caller, "terminate", pod.id, lambda: self._s.runpod.terminate_pod(pod.id))
        return Reply(title=f"Terminated {pod.name}: its disk no longer bills.", data={"pod_id": pod.id})

    def keep_stopped(self, pod_id: str, caller: Caller) -> Reply:
        pod = self._allowed(pod_id, caller)
        self._s.ledger.audit(caller.user_id, "keep-stopped", at=self._now(), target=pod.id)
        return Reply(title=f"Keeping {pod.name} stopped with its disk; you will not be asked again.",
                     data={"pod_id": pod.id})

    def claim(self, pod_id: str, caller: Caller) -> Reply:
        if not may(caller.role, Role.MEMBER):
            raise InputError(f"claiming a pod needs the member role; you are a {caller.role}.")
        pod = self._pod(pod_id)
        if pod.owner_id is not None and pod.owner_id != caller.user_id and caller.role is not Role.ADMIN:
            raise InputError(f"{pod.name} already belongs to <@{pod.owner_id}>.")
        now = self._now()
        self._s.ledger.set_pod_owner(pod.id, caller.user_id, now=now)
        self._s.ledger.audit(caller.user_id, "claim", at=now, target=pod.id)
        return Reply(title=f"Pod {pod.name} belongs to <@{caller.user_id}>.",
                     sections=(Section(lines=("Its idle warnings now come to you.",)),),
                     data={"pod_id": pod.id, "owner_id": caller.user_id})

    def min_workers_0(self, endpoint_id: str, caller: Caller) -> Reply:
        owner = self._s.ledger.endpoint_owner(endpoint_id)
        if not (caller.role is Role.ADMIN or owner == caller.user_id
                or (owner is None and may(caller.role, Role.MEMBER))):
            raise InputError("only the endpoint's owner or an admin can scale it.")
        endpoint = next((e for e in self._s.runpod.list_endpoints() if e.id == endpoint_id), None)
        if endpoint is None or endpoint.template_id is None:
            raise InputError(f"endpoint {endpoint_id} is not there any more.")
        spec = EndpointSpec(
            name=endpoint.name, template_id=endpoint.template_id, gpu_ids=endpoint.gpu_ids, id=endpoint.id,
            workers_min=0, workers_max=endpoint.workers_max, idle_timeout_s=endpoint.idle_timeout_s,
            scaler_type=endpoint.scaler_type, scaler_value=endpoint.scaler_value, gpu_count=endpoint.gpu_count,
            flashboot=endpoint.flashboot, execution_timeout_ms=endpoint.execution_timeout_ms or 600_000,
            network_volume_id=endpoint.network_volume_id, locations=endpoint.locations,
        )
        self._run(caller, "scale", endpoint.id, lambda: self._s.runpod.save_endpoint(spec))
        return Reply(title=f"Endpoint {endpoint.name} now keeps no active workers (min 0).",
                     data={"endpoint_id": endpoint.id, "workers_min": 0})

    # -- shared ---------------------------------------------------------------------------------
    def _now(self) -> datetime:
        return self._s.clock.now()

    def _pod(self, pod_id: str) -> PodRecord:
        pod = self._s.ledger.pod(pod_id)
        if pod is None:
            raise InputError(f"pod {pod_id} is not known to Podwarden.")
        return pod

    def _allowed(self, pod_id: str, caller: Caller) -> PodRecord:
        """The pod, if `caller` may act on it: its owner, an admin, or a member for a pod nobody owns."""
        pod = self._pod(pod_id)
        if caller.role is Role.ADMIN or pod.owner_id == caller.user_id:
            return pod
        if pod.owner_id is None and may(caller.role, Role.MEMBER):
            return pod
        raise InputError(f"only {pod.name}'s owner or an admin can do that.")

    def _stopped_by_us(self, pod_id: str) -> None:
        self._s.ledger.mark_stopped_by_us(pod_id, now=self._now())

    def _run(self, caller: Caller, action: str, target: str, call: Callable[[], T],
             before: Callable[[str], None] | None = None) -> T:
        """Audit the start, call RunPod, audit how it ended (the error re-raised for the reply)."""
        self._s.ledger.audit(caller.user_id, action, at=self._now(), target=target, outcome=AuditOutcome.STARTED)
        if before is not None:
            before(target)
        try:
            result = call()
        except RunPodError as exc:
            self._s.ledger.audit(caller.user_id, action, at=self._now(), target=target,
                                 outcome=AuditOutcome.FAILED, error=str(exc))
            raise
        self._s.ledger.audit(caller.user_id, action, at=self._now(), target=target)
        return result
