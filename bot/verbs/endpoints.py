"""`endpoints`, `deploy` and `scale` (both confirmed before anything changes)."""

from __future__ import annotations

from bot import commands as c
from bot.dispatch import Caller, Handler
from bot.verbs import Verbs, actor, on
from bot.verbs.pods import Executor
from podwarden.adapters.slack import render_endpoints as r
from podwarden.adapters.slack.reply import Reply
from podwarden.domain.access import Actor
from podwarden.domain.ledger_values import PendingAction
from podwarden.errors import InputError
from podwarden.services.endpoints import active_per_month


def endpoint_handlers(v: Verbs) -> dict[type[c.Command], Handler]:
    def endpoints(cmd: c.Endpoints, caller: Caller) -> Reply:
        return r.endpoints(v.endpoints.list())

    def deploy(cmd: c.Deploy, caller: Caller) -> Reply:
        if cmd.workers_min > cmd.workers_max:
            raise InputError(f"--min ({cmd.workers_min}) cannot be above --max ({cmd.workers_max})")
        pool = v.endpoints.pool_for(cmd.gpu)
        payload = {"name": cmd.name, "image": cmd.image, "pool": pool.pool, "min": cmd.workers_min,
                   "max": cmd.workers_max, "idle_timeout": cmd.idle_timeout_s, "timeout": cmd.timeout_s,
                   "flashboot": cmd.flashboot, "network_volume": cmd.network_volume_id,
                   "env": [list(p) for p in cmd.env]}
        offer = v.confirmations.offer(actor(caller), "deploy", payload, summary=f"endpoint {cmd.name}")
        return r.deploy_offer(payload, offer, f"{pool.label} ({pool.pool})",
                              active_per_month=active_per_month(pool, cmd.workers_min))

    def scale(cmd: c.Scale, caller: Caller) -> Reply:
        plan = v.endpoints.plan_scale(cmd.endpoint, workers_min=cmd.workers_min, workers_max=cmd.workers_max,
                                      idle_timeout_s=cmd.idle_timeout_s)
        payload = {"endpoint": plan.endpoint.id, "min": plan.workers_min, "max": plan.workers_max,
                   "idle_timeout": plan.idle_timeout_s}
        offer = v.confirmations.offer(actor(caller), "scale", payload, summary=f"endpoint {plan.endpoint.name}")
        return r.scale_offer(plan, offer)

    return dict([on(c.Endpoints, endpoints), on(c.Deploy, deploy), on(c.Scale, scale)])


def endpoint_executors(v: Verbs) -> dict[str, Executor]:
    def deploy(action: PendingAction, who: Actor) -> Reply:
        e = v.endpoints.deploy(who, action.payload)
        v.confirmations.finish(action.nonce, e.id)
        return r.endpoint_done(e, "deploy")

    def scale(action: PendingAction, who: Actor) -> Reply:
        e = v.endpoints.scale(who, action.payload)
        v.confirmations.finish(action.nonce, e.id)
        return r.endpoint_done(e, "scale")

    return {"deploy": deploy, "scale": scale}

