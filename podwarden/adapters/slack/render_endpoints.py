"""Serverless endpoints as replies: the list, deploy and scale offers with Confirm, results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from podwarden.adapters.slack import render_figures as figures
from podwarden.adapters.slack.render_pods import CANCEL, confirm_id, money
from podwarden.adapters.slack.reply import Button, Reply, Section
from podwarden.domain.answers import EndpointView, Offer, ScalePlan
from podwarden.domain.models import Endpoint


def endpoints(views: Sequence[EndpointView]) -> Reply:
    if not views:
        return Reply(title="No Serverless endpoints", data={"endpoints": []})
    rows: list[tuple[str, ...]] = [("endpoint", "gpu", "min/max", "running/idle", "queue", "$/h now")]
    for v in views:
        e, h = v.endpoint, v.health
        rows.append((f"{e.name} ({e.id})", ",".join(e.gpu_ids), f"{e.workers_min}/{e.workers_max}",
                     f"{h.workers_running}/{h.workers_idle}" if h else "?", str(h.jobs_in_queue) if h else "?",
                     money(v.per_hr_now)))
    return Reply(title=f"Serverless endpoints: {len(views)}", sections=(Section(table=tuple(rows)),), data={
        "endpoints": [{"id": v.endpoint.id, "name": v.endpoint.name, "gpu_ids": v.endpoint.gpu_ids,
                       "workers_min": v.endpoint.workers_min, "workers_max": v.endpoint.workers_max,
                       "running": v.health.workers_running if v.health else None,
                       "idle": v.health.workers_idle if v.health else None,
                       "queue": v.health.jobs_in_queue if v.health else None,
                       "per_hour_now": figures.rate_h(v.per_hr_now)}
                      for v in views]})


def scale_offer(plan: ScalePlan, offer: Offer) -> Reply:
    e = plan.endpoint
    cost = (f"{plan.workers_min} active worker(s) cost {money(plan.active_per_month)}/month around the clock"
            if plan.workers_min else "No active workers: you pay only while requests run.")
    return Reply(
        title=f"Scale {e.name}: workers {e.workers_min}/{e.workers_max} → {plan.workers_min}/{plan.workers_max}, "
              f"idle timeout {plan.idle_timeout_s}s?",
        sections=(Section(lines=(cost,), strong=plan.workers_min > 0),),
        buttons=(Button("Apply", confirm_id("scale"), offer.nonce, style="primary"),
                 Button("Cancel", CANCEL, f"scale:{offer.nonce}")),
        data={"nonce": offer.nonce, "endpoint": e.id, "min": plan.workers_min, "max": plan.workers_max,
              "active_per_month": figures.usd(plan.active_per_month)})


def deploy_offer(payload: Mapping[str, Any], offer: Offer, label: str, *,
                 active_per_month: Decimal | None = None) -> Reply:
    """`active_per_month`: what the min workers cost a month, priced as `scale` prices them."""
    lines = (f"Image {payload['image']} on {label}; workers {payload['min']}–{payload['max']}, idle timeout "
             f"{payload['idle_timeout']}s, execution timeout {payload['timeout']}s, "
             f"FlashBoot {'on' if payload['flashboot'] else 'off'}.",
             "Min 0 workers: nothing is billed while no request runs." if not payload["min"]
             else f"{payload['min']} active worker(s) cost {money(active_per_month)}/month around the clock.")
    return Reply(title=f"Deploy endpoint {payload['name']}?",
                 sections=(Section(lines=lines, strong=bool(payload["min"])),),
                 buttons=(Button("Deploy", confirm_id("deploy"), offer.nonce, style="primary"),
                          Button("Cancel", CANCEL, f"deploy:{offer.nonce}")),
                 data={"nonce": offer.nonce, "deploy": dict(payload),
                       "active_per_month": figures.usd(active_per_month) if payload["min"] else "0.00"})


def endpoint_done(e: Endpoint, verb: str) -> Reply:
    said = {"deploy": "Deployed", "scale": "Scaled"}[verb]
    return Reply(title=f"{said} {e.name} ({e.id}): workers {e.workers_min}/{e.workers_max}",
                 data={"endpoint": {"id": e.id, "name": e.name, "workers_min": e.workers_min,
                                    "workers_max": e.workers_max}, "done": verb})
