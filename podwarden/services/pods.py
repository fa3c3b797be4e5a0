"""Pods as people ask about them: the fleet view, naming a pod, stop/resume/terminate, SSH.

Live state comes from RunPod (one `list_pods` per question); who owns a pod and what it has
cost come from the ledger. A member may act only on their own pods (recorded owner, or a
pod named with their prefix); admins on all. Every change and every refusal is audited with
what RunPod answered. Creating a pod (`start`) is planned here and carried out only once a
confirmation is consumed (see `ConfirmationService`).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from podwarden.domain.access import Actor, Refused
from podwarden.domain.answers import Fleet, PodView, Ssh, StartPlan
from podwarden.domain.catalog import parse_cloud, resolve_gpu
from podwarden.domain.ledger_values import AuditOutcome, PodAfterStop, PodRecord
from podwarden.domain.models import BILLED_STATUSES, Cloud, Pod, PodSpec, PodStatus
from podwarden.domain.pricing import PriceBook
from podwarden.domain.quotes import check_disk, quote_pod, usage_period
from podwarden.errors import InputError, NotFound, RunPodError, RunPodTimeout
from podwarden.ports import Clock, Ledger, RunPodGateway
from podwarden.services.audit import AuditService, answer_status
from podwarden.services.people import PeopleService

DEFAULT_IMAGE = "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04"
REQUEST_ENV = "PODWARDEN_REQUEST"  # the RunPod adapter's idempotency key in a pod's env
SSH_KEY = "~/.ssh/id_ed25519"
_LISTED = 5
STOP_NOT_DONE = frozenset({PodAfterStop.RUNNING, PodAfterStop.GONE})  # read back after a failed stop

log = logging.getLogger(__name__)


def stop_as_ours(ledger: Ledger, runpod: RunPodGateway, pod_id: str, *, now: datetime) -> Pod:
    """A person's stop through Podwarden (the `stop` verb, a notice's Stop button): mark the pod
    stopped by us, ask RunPod, and clear the mark if the stop did not happen.

    The mark comes first, so that the pod going down is never mistaken for a spot eviction. A
    stop RunPod refused, read back running (or gone), leaves no mark: a later eviction is
    reported to the owner. A stop that timed out, or whose pod reads down or cannot be read,
    keeps its mark, since RunPod may have carried it out (`pod_after_failed_stop`). The error
    is re-raised for the caller's audit and reply.
    """
    ledger.mark_stopped_by_us(pod_id, now=now)
    try:
        return runpod.stop_pod(pod_id)
    except RunPodError as exc:
        if pod_after_failed_stop(runpod, pod_id, exc) in STOP_NOT_DONE:
            ledger.unmark_stopped_by_us(pod_id, since=now, until=now)
        raise


def pod_after_failed_stop(runpod: RunPodGateway, pod_id: str, error: RunPodError) -> PodAfterStop:
    """The pod right after RunPod failed to stop it (see `PodAfterStop`); the daemon's stop and
    a person's (`stop_as_ours`) judge it alike.

    A stop that timed out is UNKNOWN even when the pod still reads running: RunPod may carry
    it out after our read, and a stop of ours seen later must not be disowned (no shutdown
    notice, no Resume button, no saving). A refusal (any other error) read back running is
    RUNNING: the pod going down later is someone else's stop. An unreadable pod is UNKNOWN.
    """
    try:
        pod = runpod.get_pod(pod_id)
    except NotFound:
        return PodAfterStop.GONE
    except RunPodError as exc:
        log.warning("could not read %s after its stop failed: %s", pod_id, exc)
        return PodAfterStop.UNKNOWN
    if not pod.running:
        return PodAfterStop.DOWN
    return PodAfterStop.UNKNOWN if isinstance(error, RunPodTimeout) else PodAfterStop.RUNNING


def spec_from(payload: Mapping[str, Any], *, request: str) -> PodSpec:
    """The spec a confirmed `start` creates, tagged with the confirmation's nonce as RunPod
    request token: a retried create finds the pod instead of making a second one."""
    env = tuple((str(k), str(v)) for k, v in payload.get("env", []) if k != REQUEST_ENV)
    bid = payload.get("bid_per_gpu")
    return PodSpec(
        name=str(payload["name"]), gpu_type_id=str(payload["gpu_type_id"]), gpu_count=int(payload["gpu_count"]),
        image=payload.get("image"), template_id=payload.get("template_id"), cloud=Cloud(payload["cloud"]),
        spot=bool(payload["spot"]), bid_per_gpu=Decimal(bid) if bid is not None else None,
        container_disk_gb=int(payload["container_disk_gb"]), volume_gb=int(payload["volume_gb"]),
        network_volume_id=payload.get("network_volume_id"), ports=str(payload["ports"]),
        env=(*env, (REQUEST_ENV, request)),
    )


def shown(text: str, limit: int = 40) -> str:
    """What a person typed, cut short when echoed back (never a whole paste)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def find_pod(ref: str, pods: Sequence[Pod]) -> Pod:
    """The pod `ref` names: an id, a name, or a unique prefix of either.

    Several matches → `InputError` listing them; none → "did you mean" the closest name.
    """
    text = ref.strip()
    if not text:
        raise InputError("missing pod (id, name or unique prefix)")
    low = text.lower()
    for exact in ([p for p in pods if p.id == text], [p for p in pods if p.name.lower() == low]):
        if len(exact) == 1:
            return exact[0]
        if len(exact) > 1:
            raise InputError(f"`{shown(text)}` names several pods: {_listed(exact)}; give the id")
    fits = [p for p in pods if p.id.lower().startswith(low) or p.name.lower().startswith(low)]
    if len(fits) == 1:
        return fits[0]
    if fits:
        raise InputError(f"`{shown(text)}` fits several pods: {_listed(fits)}; give more of the name or the id")
    guess = difflib.get_close_matches(low, [p.name.lower() for p in pods], n=1, cutoff=0.5)
    hint = f"; did you mean `{next(p.name for p in pods if p.name.lower() == guess[0])}`?" if guess else ""
    raise InputError(f"no pod `{shown(text)}`{hint} (`pods all` lists them)")


def _listed(pods: Sequence[Pod]) -> str:
    shown = ", ".join(f"{p.name} ({p.id})" for p in pods[:_LISTED])
    return shown + (f" and {len(pods) - _LISTED} more" if len(pods) > _LISTED else "")


def storage_now(pod: Pod, book: PriceBook) -> Decimal:
    """What the pod's disks bill per hour now: container disk and volume while it runs, the
    volume at the stopped rate otherwise (a network volume is billed apart)."""
    if pod.status in BILLED_STATUSES:
        return disks_running(pod, book)
    return book.volume_per_hour(pod.volume_gb, running=False)


def disks_running(pod: Pod, book: PriceBook) -> Decimal:
    """What the pod's container disk and volume bill per hour while it runs."""
    return book.container_disk_per_hour(pod.container_disk_gb) + book.volume_per_hour(pod.volume_gb, running=True)


def ssh_of(pod: Pod) -> Ssh:
    """The SSH commands of a running pod; none for a pod that does not run (RunPod keeps a
    stopped pod's proxy user, but nothing answers there until it is resumed)."""
    if not pod.running:
        return Ssh(pod=pod, direct=None, proxied=None)
    mapped = pod.runtime.ssh() if pod.runtime is not None else None
    direct = (f"ssh root@{mapped.ip} -p {mapped.public_port} -i {SSH_KEY}"
              if mapped is not None else None)
    proxied = f"ssh {pod.pod_host_id}@ssh.runpod.io -i {SSH_KEY}" if pod.pod_host_id else None
    return Ssh(pod=pod, direct=direct, proxied=proxied, host=mapped.ip if mapped else None,
               port=mapped.public_port if mapped else None, user=pod.pod_host_id)


class PodsService:
    def __init__(
        self, runpod: RunPodGateway, ledger: Ledger, clock: Clock, *, people: PeopleService, audit: AuditService,
        book: PriceBook | None = None,
    ) -> None:
        """`book` prices storage (a pod's disks, what a stopped pod still costs; a start's disks)."""
        self._book = book
        self._runpod = runpod
        self._ledger = ledger
        self._clock = clock
        self._people = people
        self._audit = audit

    # -- reading ------------------------------------------------------------------------------
    def fleet(self, actor: Actor, scope: str = "mine") -> Fleet:
        """`pods mine|all|@user`: live from RunPod, owners and cost so far from the ledger."""
        who = None if scope == "all" else actor.user_id if scope == "mine" else self._people.user_id(scope)
        now = self._clock.now()
        records = {r.id: r for r in self._ledger.pods()}
        idle = {pod_id: state.idle_since for pod_id, state in self._ledger.lifecycle_state().items()}
        kept = self._ledger.active_snoozes(now=now)
        names = {m.user_id: m.display_name for m in self._ledger.members() if m.display_name}
        views = []
        for pod in self._runpod.list_pods():
            if pod.status is PodStatus.TERMINATED:
                continue
            record = records.get(pod.id)
            owner = self.owner(pod, record)
            if who is not None and owner != who:
                continue
            view = self._view(pod, record, owner, now, kept.get(pod.id), idle.get(pod.id))
            views.append(replace(view, owner_name=names.get(owner)) if owner in names else view)
        views.sort(key=lambda v: (not v.pod.running, -v.pod.cost_per_hr, v.pod.name))
        return Fleet(scope=who or "all", pods=tuple(views))

    def pods(self) -> list[Pod]:
        return [p for p in self._runpod.list_pods() if p.status is not PodStatus.TERMINATED]

    def find(self, ref: str) -> Pod:
        return find_pod(ref, self.pods())

    def owner(self, pod: Pod, record: PodRecord | None = None) -> str | None:
        record = record if record is not None else self._ledger.pod(pod.id)
        if record is not None and record.owner_id:
            return record.owner_id
        return self._people.owner_by_prefix(pod.name)

    def ssh(self, ref: str) -> Ssh:
        return ssh_of(self.find(ref))

    def ssh_config(self, actor: Actor) -> list[Ssh]:
        """SSH for every pod of the caller that runs."""
        return [ssh_of(v.pod) for v in self.fleet(actor, "mine").pods if v.pod.running]

    def _view(
        self, pod: Pod, record: PodRecord | None, owner: str | None, now: datetime, snooze: Any,
        idle_since: datetime | None,
    ) -> PodView:
        cost = None
        if record is not None:
            cost = self._ledger.spend(start=record.created_at, end=now, pod_id=pod.id)
        gpus = [g.util_percent for g in (pod.runtime.gpus if pod.runtime else ()) if g.util_percent is not None]
        util = round(sum(gpus) / len(gpus)) if gpus else None
        uptime = pod.runtime.uptime_seconds if pod.runtime and pod.runtime.uptime_seconds is not None \
            else pod.uptime_seconds
        idle_for = now - idle_since if idle_since is not None and pod.running else None  # the daemon's idle clock
        return PodView(pod=pod, owner_id=owner, cost_so_far=cost, gpu_util=util, uptime_seconds=uptime,
                       idle_for=idle_for, kept_until=snooze.until if snooze is not None else None,
                       storage_per_hr=self.storage_now(pod))

    def storage_now(self, pod: Pod) -> Decimal | None:
        return storage_now(pod, self._book) if self._book is not None else None

    def _disks_running(self, pod: Pod) -> Decimal:
        return disks_running(pod, self._book) if self._book is not None else Decimal(0)

    # -- acting -------------------------------------------------------------------------------
    def mine_or_admin(self, actor: Actor, verb: str, pod: Pod) -> None:
        """Members act on their own pods only; a refusal is audited."""
        if actor.admin:
            return
        owner = self.owner(pod)
        if owner != actor.user_id:
            whose = f"<@{owner}>'s" if owner else "nobody's (no owner recorded)"
            why = f"{pod.name} is {whose}; members may {verb} only their own pods"
            self._audit.refused(actor, verb, why, target=pod.id)
            raise Refused(why + ". Ask its owner or an admin.")

    def stop(self, actor: Actor, ref: str) -> Pod:
        pod = self.find(ref)
        self.mine_or_admin(actor, "stop", pod)
        if pod.status is PodStatus.EXITED:
            raise InputError(f"{pod.name} is already stopped")
        if self._ledger.pod(pod.id) is None:
            self._ledger.observe_pods([pod], now=self._clock.now())
        return self._act(actor, "stop", pod,
                         lambda: stop_as_ours(self._ledger, self._runpod, pod.id, now=self._clock.now()))

    def terminate_target(self, actor: Actor, ref: str) -> Pod:
        pod = self.find(ref)
        self.mine_or_admin(actor, "terminate", pod)
        return pod

    def terminate(self, actor: Actor, pod_id: str) -> Pod:
        pod = self._runpod.get_pod(pod_id)
        self.mine_or_admin(actor, "terminate", pod)

        def go() -> Pod:
            self._runpod.terminate_pod(pod.id)
            return pod

        return self._act(actor, "terminate", pod, go)

    def resume_target(self, actor: Actor, ref: str) -> tuple[Pod, Decimal]:
        """The stopped pod to resume and what it will cost per hour running (GPUs and disks)."""
        pod = self.find(ref)
        self.mine_or_admin(actor, "resume", pod)
        if pod.running:
            raise InputError(f"{pod.name} is already running")
        return pod, self._rate_of(pod) + self._disks_running(pod)

    def resume(self, actor: Actor, pod_id: str) -> Pod:
        pod = self._runpod.get_pod(pod_id)
        self.mine_or_admin(actor, "resume", pod)
        bid = self._catalog_price(pod) if pod.spot else None  # a spot pod resumes with a bid: today's minimum
        if pod.spot and bid is None:
            raise InputError(f"{pod.gpu_display_name or pod.gpu_type_id} has no spot offer now; try again later")
        return self._act(actor, "resume", pod, lambda: self._runpod.resume_pod(
            pod.id, gpu_count=pod.gpu_count, bid_per_gpu=bid))

    def _rate_of(self, pod: Pod) -> Decimal:
        if pod.cost_per_hr > 0:
            return pod.cost_per_hr
        price = self._catalog_price(pod)
        return price * pod.gpu_count if price is not None else Decimal(0)

    def _catalog_price(self, pod: Pod) -> Decimal | None:
        """Today's per-GPU price of the pod's GPU in its cloud (the spot price for a spot pod)."""
        cloud = pod.cloud if pod.cloud is not None and pod.cloud is not Cloud.ALL else Cloud.SECURE
        for gpu in self._runpod.gpu_types(gpu_count=pod.gpu_count):
            if gpu.id == pod.gpu_type_id:
                return gpu.price(cloud, spot=pod.spot)
        return None

    def _act(self, actor: Actor, verb: str, pod: Pod, call: Any) -> Pod:
        args = {"pod": pod.id, "name": pod.name}
        try:
            result: Pod = call()
        except RunPodError as exc:
            self._audit.failed(actor, verb, exc, target=pod.id, args=args)
            raise
        self._audit.record(actor, verb, outcome=AuditOutcome.OK, target=pod.id, args=args, answer="ok")
        return result

    # -- start ------------------------------------------------------------------------------------
    def plan_start(
        self, actor: Actor, *, gpu: str, count: int = 1, name: str | None = None, image: str | None = None,
        template: str | None = None, spot: bool = False, cloud: str | None = None, bid: Decimal | None = None,
        container_disk_gb: int | None = None, volume_gb: int | None = None, network_volume_id: str | None = None,
        env: tuple[tuple[str, str], ...] = (), ports: str | None = None, max_hours: Decimal | None = None,
    ) -> StartPlan:
        """Resolve the GPU, price it (the bid for spot), and name the pod; create nothing."""
        if any(k == REQUEST_ENV for k, _ in env):
            raise InputError(f"{REQUEST_ENV} is Podwarden's own variable; pick another name")
        match = resolve_gpu(gpu, self._runpod.gpu_types(gpu_count=count))
        chosen_cloud = parse_cloud(cloud)
        price = match.gpu.price(chosen_cloud, spot=spot)
        if price is None:
            kind = "spot" if spot else "on-demand"
            raise InputError(f"{match.gpu.display_name} is not offered {kind} in the {chosen_cloud.value.lower()} "
                             f"cloud now; try --cloud {'community' if chosen_cloud is Cloud.SECURE else 'secure'}")
        if count > match.gpu.max_gpu_count:
            raise InputError(f"{match.gpu.display_name} comes at most {match.gpu.max_gpu_count} per pod")
        per_gpu = price
        if spot:
            if bid is not None and bid < price:
                raise InputError(f"the lowest spot bid for {match.gpu.display_name} is ${price}/h per GPU now")
            per_gpu = bid if bid is not None else price
        disk = int(check_disk(container_disk_gb if container_disk_gb is not None else 20, "--disk"))
        volume = int(check_disk(volume_gb or 0, "--volume"))
        storage = Decimal(0)
        if self._book is not None:  # the quote's own storage pricing: one formula for `quote` and `start`
            storage = quote_pod(match.gpu, period=usage_period(hours=1), book=self._book, price_source="catalog",
                                count=count, cloud=chosen_cloud, spot=spot, container_disk_gb=disk,
                                volume_gb=volume).storage_total
        member = self._people.member(actor.user_id)
        slug = match.gpu.display_name.lower().replace(" ", "-")
        pod_name = name or f"{member.name_prefix or (actor.user_id.lower() + '-')}{slug}"
        spec = PodSpec(
            name=pod_name, gpu_type_id=match.gpu.id, gpu_count=count,
            image=None if template else (image or DEFAULT_IMAGE), template_id=template, cloud=chosen_cloud,
            spot=spot, bid_per_gpu=per_gpu if spot else None,
            container_disk_gb=disk, volume_gb=volume, network_volume_id=network_volume_id,
            ports=ports or "8888/http,22/tcp", env=env,
        )
        return StartPlan(spec=spec, gpu_name=match.gpu.display_name, per_hr=per_gpu * count,
                         max_hours=max_hours, note=match.note, storage_per_hr=storage)

    def create(self, actor: Actor, payload: Mapping[str, Any], *, nonce: str, owner: str) -> Pod:
        """Create the confirmed pod once (the nonce is RunPod's request token), record its owner,
        that Podwarden made it, its deadline (`--max-hours`) and bid."""
        spec = spec_from(payload, request=nonce)
        args = {k: v for k, v in payload.items() if k != "env"} | {"env": [k for k, _ in spec.env]}
        try:
            pod = self._runpod.create_pod(spec)
        except RunPodError as exc:
            self._audit.failed(actor, "start", exc, target=spec.name, args=args)
            raise
        now = self._clock.now()
        self._ledger.observe_pods([pod], now=now, owners={pod.id: owner})
        hours = payload.get("max_hours")
        deadline = now + timedelta(hours=float(hours)) if hours else None
        self._ledger.mark_pod_created(pod.id, now=now, deadline_at=deadline, bid_per_gpu=spec.bid_per_gpu)
        self._audit.record(actor, "start", outcome=AuditOutcome.OK, target=pod.id, args=args, answer="ok")
        return pod


__all__ = ["PodsService", "answer_status", "disks_running", "find_pod", "shown", "spec_from", "ssh_of", "storage_now"]
