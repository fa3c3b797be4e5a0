"""`pods`, `start`, `stop`, `resume`, `terminate`, `ssh`, `ssh-config`, and the buttons that
confirm, cancel, approve or deny what they asked for."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from bot import commands as c
from bot.dispatch import ActionHandler, Caller, Handler, needs
from bot.verbs import Verbs, actor, on
from podwarden.adapters.slack import render_pods as r
from podwarden.adapters.slack.render_approvals import APPROVE, DENY
from podwarden.adapters.slack.reply import Reply, error_reply
from podwarden.domain.access import Actor, Refused, Role
from podwarden.domain.answers import StartPlan
from podwarden.domain.ledger_values import AuditOutcome, PendingAction
from podwarden.errors import DomainError, PodwardenError
from podwarden.services.confirmations import asked_in

Executor = Callable[[PendingAction, Actor], Reply]
REFUSED = "refused: "  # a consumed action's result when the re-checked caps said no


def offer_start(v: Verbs, who: Actor, plan: StartPlan, *, owner: str | None = None,
                extra: Mapping[str, Any] | None = None) -> Reply:
    """Check the caps of whoever will own the pod, then park the start until its Confirm
    (an admin's approval above the threshold). `owner` defaults to the requester; `extra`
    rides along in the payload (e.g. the pod a relaunch replaces)."""
    payload = {**plan.payload(), **(extra or {}), "owner": owner or who.user_id}
    caps = v.budgets.check(owner or who.user_id, plan.total_per_hr)  # GPUs and disks
    summary = f"{plan.spec.gpu_count} × {plan.gpu_name} as {plan.spec.name}"
    if not caps.allowed:
        v.audit.refused(who, "start", "; ".join(caps.refusals), target=plan.spec.name, args=payload)
        return r.refused_by_caps(caps, summary)
    offer = v.confirmations.offer(who, "start", payload, per_hr=plan.total_per_hr, summary=summary)
    return r.start_offer(plan, offer, caps)


def offer_resume(v: Verbs, who: Actor, ref: str) -> Reply:
    """`resume`: the pod (theirs, stopped), the caps, then a Confirm (or an admin's approval)."""
    pod, per_hr = v.pods.resume_target(who, ref)
    caps = v.budgets.check(who.user_id, per_hr)
    if not caps.allowed:
        v.audit.refused(who, "resume", "; ".join(caps.refusals), target=pod.id)
        return r.refused_by_caps(caps, pod.name)
    offer = v.confirmations.offer(who, "resume", {"pod": pod.id}, per_hr=per_hr, summary=pod.name)
    return r.resume_offer(pod, per_hr, offer, caps)


def offer_terminate(v: Verbs, who: Actor, ref: str) -> Reply:
    """`terminate`: the pod (theirs; an unowned pod only for admins), then a server-side Confirm."""
    pod = v.pods.terminate_target(who, ref)
    offer = v.confirmations.offer(who, "terminate", {"pod": pod.id}, summary=pod.name)
    return r.terminate_offer(pod, offer)


def pod_handlers(v: Verbs) -> dict[type[c.Command], Handler]:
    def pods(cmd: c.Pods, caller: Caller) -> Reply:
        return r.fleet(v.pods.fleet(actor(caller), cmd.scope))

    def start(cmd: c.Start, caller: Caller) -> Reply:
        who = actor(caller)
        plan = v.pods.plan_start(
            who, gpu=cmd.gpu, count=cmd.count, name=cmd.name, image=cmd.image, template=cmd.template,
            spot=cmd.spot, cloud=cmd.cloud, bid=cmd.bid, container_disk_gb=cmd.container_disk_gb,
            volume_gb=cmd.volume_gb, network_volume_id=cmd.network_volume_id, env=cmd.env, ports=cmd.ports,
            max_hours=cmd.max_hours,
        )
        return offer_start(v, who, plan)

    def stop(cmd: c.Stop, caller: Caller) -> Reply:
        return r.pod_changed(v.pods.stop(actor(caller), cmd.pod), "stop")

    def resume(cmd: c.Resume, caller: Caller) -> Reply:
        return offer_resume(v, actor(caller), cmd.pod)

    def terminate(cmd: c.Terminate, caller: Caller) -> Reply:
        return offer_terminate(v, actor(caller), cmd.pod)

    def ssh(cmd: c.Ssh, caller: Caller) -> Reply:
        return r.ssh(v.pods.ssh(cmd.pod))

    def ssh_config(cmd: c.SshConfig, caller: Caller) -> Reply:
        return r.ssh_config(v.pods.ssh_config(actor(caller)))

    return dict([
        on(c.Pods, pods), on(c.Start, start), on(c.Stop, stop), on(c.Resume, resume),
        on(c.Terminate, terminate), on(c.Ssh, ssh), on(c.SshConfig, ssh_config),
    ])


def pod_executors(v: Verbs) -> dict[str, Executor]:
    """What a consumed confirmation does, by verb. Each runs at most once per nonce."""

    def within_caps(action: PendingAction, who: Actor, owner: str) -> None:
        """Re-judge the caps right before acting: a Confirm may come 15 minutes, an approval
        4 hours, after the offer, and the fleet may have grown since. A broken hard cap
        refuses (audited; the nonce remembers why, for a second click)."""
        per_hr = action.payload.get("per_hr")
        if per_hr is None:
            return
        caps = v.budgets.check(owner, Decimal(str(per_hr)))
        if caps.allowed:
            return
        why = "; ".join(caps.refusals)
        v.audit.refused(who, action.verb, why, target=action.nonce, args={"nonce": action.nonce})
        v.confirmations.finish(action.nonce, f"{REFUSED}{why}")
        raise Refused(f"Not done: {why}.")

    def start(action: PendingAction, who: Actor) -> Reply:
        owner = str(action.payload.get("owner") or action.requester)
        within_caps(action, who, owner)
        pod = v.pods.create(who, action.payload, nonce=action.nonce, owner=owner)
        v.confirmations.finish(action.nonce, pod.id)
        return r.started(pod)

    def resume(action: PendingAction, who: Actor) -> Reply:
        within_caps(action, who, action.requester)
        pod = v.pods.resume(who, str(action.payload["pod"]))
        v.confirmations.finish(action.nonce, pod.id)
        return r.pod_changed(pod, "resume")

    def terminate(action: PendingAction, who: Actor) -> Reply:
        pod = v.pods.terminate(who, str(action.payload["pod"]))
        v.confirmations.finish(action.nonce, pod.id)
        return r.pod_changed(pod, "terminate")

    return {"start": start, "resume": resume, "terminate": terminate}


def done_again(action: PendingAction) -> Reply:
    """A second click on a Confirm that already acted: say what the first one did."""
    if action.result and action.result.startswith(REFUSED):
        return Reply(title=f"That {action.verb} was not done: {action.result.removeprefix(REFUSED)}.",
                     data={"already": None}, ok=False)
    if action.result:
        return Reply(title=f"Already done: {action.verb} → {action.result}", data={"already": action.result})
    return Reply(title=f"Already confirmed; the {action.verb} is under way.", data={"already": None})


def confirm_actions(v: Verbs, executors: dict[str, Executor]) -> dict[str, ActionHandler]:
    """Confirm, Cancel, Approve and Deny buttons, for every verb with an executor."""

    def confirmer(verb: str) -> ActionHandler:
        def confirm(nonce: str, caller: Caller) -> Reply:
            who = actor(caller)
            got = v.confirmations.confirm(nonce, who, verb=verb)
            if got.kind == "awaiting":
                return r.awaiting(verb, str(got.action.payload.get("summary") or verb),
                                  v.confirmations.approvers(), got.action.expires_at)
            if got.kind == "done":
                return done_again(got.action)
            return executors[verb](got.action, who)

        return confirm

    def cancel(value: str, caller: Caller) -> Reply:
        verb, _, nonce = value.partition(":")
        v.confirmations.cancel(nonce, actor(caller), verb=verb)
        return r.cancelled(verb)

    def decide(approve: bool) -> ActionHandler:
        def handler(nonce: str, caller: Caller) -> Reply:
            admin = actor(caller)
            decision = v.confirmations.decide(nonce, admin, approve=approve)
            action = decision.action
            summary = str(action.payload.get("summary") or action.verb)
            if decision.kind == "done":  # decided by an earlier click
                return Reply(title=f"Already approved by <@{action.approver}>: {action.verb} {summary}",
                             data={"already": action.result})
            if not approve:
                return Reply(title=f"Denied: <@{action.requester}>'s {action.verb} of {summary}; they were told.",
                             data={"denied": action.nonce})
            # The requester's own role, not the admin's: their ownership checks still apply.
            requester = v.people.caller(action.requester, asked_in(action))
            try:
                reply = executors[action.verb](action, requester)
            except (PodwardenError, DomainError) as exc:  # the requester hears of it either way
                v.confirmations.tell(action, "failed", by=admin.user_id, result=str(exc))
                return error_reply(f"Approved, but it could not be done: {exc}")
            v.confirmations.tell(action, "approved", by=admin.user_id, result=reply.title)
            v.audit.record(admin, f"{action.verb} approved", outcome=AuditOutcome.OK, target=action.result,
                           args={"nonce": nonce, "requester": action.requester})
            return Reply(title=f"Approved <@{action.requester}>'s {action.verb}: {reply.title}", data=reply.data)

        return handler

    actions: dict[str, ActionHandler] = {r.confirm_id(verb): needs(Role.MEMBER, confirmer(verb))
                                         for verb in executors}
    actions[r.CANCEL] = needs(Role.MEMBER, cancel)
    actions[APPROVE] = needs(Role.ADMIN, decide(True))
    actions[DENY] = needs(Role.ADMIN, decide(False))
    return actions
