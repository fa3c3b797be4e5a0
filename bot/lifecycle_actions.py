"""The buttons of the daemon's notices (Keep 1h, Stop now, Resume, ...): action id → handler.

A notice reaches its owner in a DM and, when a notice channel is set, a copy of it in the
channel (for an unowned pod, only the channel), where anyone can see the buttons: every
button needs the member role (checked by the dispatcher at the click), and each handler
checks that the person who clicked owns the pod (or is an admin; a member for a pod nobody
owns) before doing anything; a refusal is audited. Every click
that changes something is written to the audit log with its outcome and channel. The
dispatcher merges these with the bot's own handlers; the answer replaces the message
holding the button.

Buttons that spend money or destroy data do nothing at once: Resume, Relaunch on-demand
and Terminate answer with the same server-side offer as the `resume`, `start` and
`terminate` verbs (caps, the approval threshold, a Confirm whose nonce acts once), since
Slack's confirm dialog is only the client's and a click can be forged or retried.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from bot.dispatch import ActionHandler, Caller, needs
from bot.verbs import Verbs, actor
from bot.verbs.pods import offer_resume, offer_start, offer_terminate
from podwarden.adapters.slack import render_lifecycle as ids
from podwarden.adapters.slack.reply import Reply, Section
from podwarden.domain.access import Refused, Role, may
from podwarden.domain.errors import InputError
from podwarden.domain.ledger_values import AuditOutcome, PodRecord
from podwarden.domain.models import Cloud, EndpointSpec
from podwarden.errors import RunPodError
from podwarden.services.pods import REQUEST_ENV, stop_as_ours

if TYPE_CHECKING:
    from podwarden.bootstrap import Services

T = TypeVar("T")


def lifecycle_actions(services: Services, verbs: Verbs | None = None) -> dict[str, ActionHandler]:
    """Every notice button; each changes a pod or an endpoint, so each needs the member role."""
    buttons = _Buttons(services, verbs or Verbs(services))
    handlers: dict[str, ActionHandler] = {
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
    return {action_id: needs(Role.MEMBER, handler) for action_id, handler in handlers.items()}


class _Buttons:
    def __init__(self, services: Services, verbs: Verbs) -> None:
        self._s = services
        self._v = verbs

    # -- idle warnings and deadlines -------------------------------------------------------------
    def keep_1h(self, value: str, caller: Caller) -> Reply:
        return self._keep(value, caller, until=self._now() + timedelta(hours=1), why="Keep 1h")

    def keep_tomorrow(self, value: str, caller: Caller) -> Reply:
        zone = self._s.settings.zone
        local = self._now().astimezone(zone)
        tomorrow = (local + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
        return self._keep(value, caller, until=tomorrow, why="Keep until tomorrow")

    def _keep(self, pod_id: str, caller: Caller, *, until: datetime, why: str) -> Reply:
        pod = self._allowed(pod_id, caller, "keep")
        now = self._now()
        self._s.ledger.snooze_pod(pod.id, until=until, by=caller.user_id, now=now, reason=why)
        self._v.audit.record(actor(caller), "keep", target=pod.id, args={"until": until, "button": why},
                             outcome=AuditOutcome.OK)
        shown = until.astimezone(self._s.settings.zone).strftime("%a %H:%M")
        return Reply(title=f"Kept {pod.name} until {shown} ({self._s.settings.timezone}).",
                     sections=(Section(lines=("It will not be stopped for being idle before then.",)),),
                     data={"pod_id": pod.id, "until": until})

    def extend_deadline(self, pod_id: str, caller: Caller) -> Reply:
        pod = self._allowed(pod_id, caller, "keep")
        now = self._now()
        memory = self._s.ledger.lifecycle_state().get(pod.id)
        current = memory.deadline_at if memory is not None and memory.deadline_at is not None else now
        deadline = max(current, now) + timedelta(hours=1)
        self._s.ledger.set_pod_deadline(pod.id, deadline, now=now)
        self._v.audit.record(actor(caller), "keep", target=pod.id, args={"deadline": deadline},
                             outcome=AuditOutcome.OK)
        return Reply(title=f"{pod.name} now runs until {deadline:%H:%M} UTC.", data={"deadline_at": deadline})

    def stop_now(self, pod_id: str, caller: Caller) -> Reply:
        pod = self._allowed(pod_id, caller, "stop")
        self._run(caller, "stop", pod.id,
                  lambda: stop_as_ours(self._s.ledger, self._s.runpod, pod.id, now=self._now()))
        return Reply(title=f"Stopped {pod.name}. Nothing was deleted; Resume brings it back.",
                     data={"pod_id": pod.id, "status": "EXITED"})

    def resume(self, pod_id: str, caller: Caller) -> Reply:
        """The `resume` verb's offer: the caps, the approval threshold, then a Confirm that
        resumes once (a spot pod with today's bid)."""
        return offer_resume(self._v, actor(caller), pod_id)

    # -- evictions, storage, ownership, endpoints ------------------------------------------------
    def relaunch(self, pod_id: str, caller: Caller) -> Reply:
        """Offer an on-demand copy of an evicted spot pod, as `start` would: priced, judged
        against the caps of the pod's owner, above the threshold for an admin to approve, and
        created once with the Confirm's nonce as RunPod request token."""
        pod = self._allowed(pod_id, caller, "relaunch")
        if pod.gpu_type_id is None:
            raise InputError(f"{pod.name} has no GPU type on record; start a new pod with `start`.")
        live = self._s.runpod.get_pod(pod.id)  # the image, template, ports and env to copy
        # Not the evicted pod's request token: with it, RunPod's create would find that pod again.
        env = tuple((k, v) for k, v in live.env if k != REQUEST_ENV)
        cloud = pod.cloud if pod.cloud is not None and pod.cloud is not Cloud.ALL else Cloud.SECURE
        who = actor(caller)
        plan = self._v.pods.plan_start(
            who, gpu=pod.gpu_type_id, count=pod.gpu_count, name=f"{pod.name}-ondemand",
            image=live.image, template=live.template_id, spot=False, cloud=cloud.value,
            container_disk_gb=max(pod.container_disk_gb, 1), volume_gb=pod.volume_gb,
            network_volume_id=pod.network_volume_id, env=env, ports=live.ports or None,
        )
        return offer_start(self._v, who, plan, owner=pod.owner_id or caller.user_id,
                           extra={"relaunch_of": pod.id})

    def terminate(self, pod_id: str, caller: Caller) -> Reply:
        """The `terminate` verb's offer: the owner or an admin (an unowned pod: admins only),
        then a server-side Confirm."""
        return offer_terminate(self._v, actor(caller), pod_id)

    def keep_stopped(self, pod_id: str, caller: Caller) -> Reply:
        pod = self._allowed(pod_id, caller, "keep-stopped")
        self._v.audit.record(actor(caller), "keep-stopped", target=pod.id, outcome=AuditOutcome.OK)
        return Reply(title=f"Keeping {pod.name} stopped with its disk; you will not be asked again.",
                     data={"pod_id": pod.id})

    def claim(self, pod_id: str, caller: Caller) -> Reply:
        pod = self._pod(pod_id)
        if pod.owner_id is not None and pod.owner_id != caller.user_id and caller.role is not Role.ADMIN:
            raise self._refused(caller, "claim", pod.id, f"{pod.name} already belongs to <@{pod.owner_id}>.")
        now = self._now()
        self._s.ledger.set_pod_owner(pod.id, caller.user_id, now=now)
        self._v.audit.record(actor(caller), "claim", target=pod.id, outcome=AuditOutcome.OK)
        return Reply(title=f"Pod {pod.name} belongs to <@{caller.user_id}>.",
                     sections=(Section(lines=("Its idle warnings now come to you.",)),),
                     data={"pod_id": pod.id, "owner_id": caller.user_id})

    def min_workers_0(self, endpoint_id: str, caller: Caller) -> Reply:
        owner = self._s.ledger.endpoint_owner(endpoint_id)
        if not (caller.role is Role.ADMIN or owner == caller.user_id
                or (owner is None and may(caller.role, Role.MEMBER))):
            raise self._refused(caller, "scale", endpoint_id, "only the endpoint's owner or an admin can scale it.")
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

    def _allowed(self, pod_id: str, caller: Caller, verb: str) -> PodRecord:
        """The pod, if `caller` may act on it: its owner, an admin, or a member for a pod nobody owns."""
        pod = self._pod(pod_id)
        if caller.role is Role.ADMIN or pod.owner_id == caller.user_id:
            return pod
        if pod.owner_id is None and may(caller.role, Role.MEMBER):
            return pod
        raise self._refused(caller, verb, pod.id, f"only {pod.name}'s owner or an admin can do that.")

    def _refused(self, caller: Caller, verb: str, target: str, why: str) -> Refused:
        """A refusal, audited (with the channel) before it is raised."""
        self._v.audit.refused(actor(caller), verb, why, target=target)
        return Refused(why)

    def _run(self, caller: Caller, action: str, target: str, call: Callable[[], T]) -> T:
        """Audit the start, call RunPod, audit how it ended (the error re-raised for the reply)."""
        who = actor(caller)
        self._v.audit.record(who, action, target=target, outcome=AuditOutcome.STARTED)
        try:
            result = call()
        except RunPodError as exc:
            self._v.audit.failed(who, action, exc, target=target)
            raise
        self._v.audit.record(who, action, target=target, outcome=AuditOutcome.OK, answer="ok")
        return result
