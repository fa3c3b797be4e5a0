"""Serverless endpoints: what runs and costs now, `deploy` (template + endpoint, min 0) and
`scale` (what active workers cost per month, said before it is applied)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from podwarden.domain.access import Actor
from podwarden.domain.answers import EndpointView, ScalePlan
from podwarden.domain.catalog import resolve_gpu
from podwarden.domain.ledger_values import AuditOutcome
from podwarden.domain.models import Endpoint, EndpointHealth, EndpointSpec, TemplateSpec
from podwarden.domain.pricing import PriceBook, ServerlessPrice
from podwarden.errors import InputError, RunPodError
from podwarden.ports import RunPodGateway, ServerlessGateway
from podwarden.services.audit import AuditService
from podwarden.services.pods import shown

HOURS_PER_MONTH = Decimal(720)  # a 30-day month, as RunPod's guides count


def active_per_month(price: ServerlessPrice, workers_min: int, gpu_count: int = 1) -> Decimal:
    """What `workers_min` active workers cost in a 720 h month, from the unrounded per-second
    price: `scale` and `deploy` quote it alike."""
    return workers_min * price.active_per_s * 3600 * HOURS_PER_MONTH * gpu_count


class EndpointsService:
    def __init__(self, runpod: RunPodGateway, serverless: ServerlessGateway, book: PriceBook, *,
                 audit: AuditService) -> None:
        self._runpod = runpod
        self._serverless = serverless
        self._book = book
        self._audit = audit

    def _price(self, pools: tuple[str, ...]) -> ServerlessPrice | None:
        return next((p for p in self._book.serverless if p.pool in pools), None)

    def list(self) -> list[EndpointView]:
        views = []
        for e in self._runpod.list_endpoints():
            try:
                health: EndpointHealth | None = self._serverless.health(e.id)
            except RunPodError:
                health = None
            price = self._price(e.gpu_ids)
            rate = None
            if price is not None and health is not None:
                busy = health.workers_running * price.flex_per_s
                idle_active = max(e.workers_min - health.workers_running, 0) * price.active_per_s
                rate = (busy + idle_active) * 3600 * e.gpu_count
            views.append(EndpointView(endpoint=e, health=health, price=price, per_hr_now=rate))
        return views

    def find(self, ref: str) -> Endpoint:
        endpoints = self._runpod.list_endpoints()
        for exact in ([e for e in endpoints if e.id == ref], [e for e in endpoints if e.name == ref]):
            if len(exact) == 1:
                return exact[0]
        fits = [e for e in endpoints if e.id.startswith(ref) or e.name.startswith(ref)]
        if len(fits) == 1:
            return fits[0]
        if fits:
            raise InputError(f"`{shown(ref)}` fits several endpoints: {', '.join(e.name for e in fits[:5])}")
        raise InputError(f"no endpoint `{shown(ref)}` (`endpoints` lists them)")

    def plan_scale(self, ref: str, *, workers_min: int | None, workers_max: int | None,
                   idle_timeout_s: int | None) -> ScalePlan:
        e = self.find(ref)
        new_min = e.workers_min if workers_min is None else workers_min
        new_max = e.workers_max if workers_max is None else workers_max
        if new_min > new_max:
            raise InputError(f"--min ({new_min}) cannot be above --max ({new_max})")
        price = self._price(e.gpu_ids)
        monthly = active_per_month(price, new_min, e.gpu_count) if price else None
        return ScalePlan(endpoint=e, workers_min=new_min, workers_max=new_max,
                         idle_timeout_s=e.idle_timeout_s if idle_timeout_s is None else idle_timeout_s,
                         active_per_month=monthly)

    def scale(self, actor: Actor, payload: Mapping[str, Any]) -> Endpoint:
        e = self.find(str(payload["endpoint"]))
        # No template id is "" (REST v2 reports none, and its update does not need one; the
        # GraphQL adapter, whose full replace does, refuses the update itself).
        spec = EndpointSpec(
            id=e.id, name=e.name, template_id=e.template_id or "", gpu_ids=e.gpu_ids, workers_min=int(payload["min"]),
            workers_max=int(payload["max"]), idle_timeout_s=int(payload["idle_timeout"]),
            scaler_type=e.scaler_type, scaler_value=e.scaler_value, gpu_count=e.gpu_count, flashboot=e.flashboot,
            execution_timeout_ms=e.execution_timeout_ms or 600_000, network_volume_id=e.network_volume_id,
            locations=e.locations,
        )
        return self._act(actor, "scale", e.id, dict(payload), lambda: self._runpod.save_endpoint(spec))

    def pool_for(self, gpu: str) -> ServerlessPrice:
        """A RunPod pool id (AMPERE_80) or a GPU name (a100) as a Serverless price class."""
        by_pool = next((p for p in self._book.serverless if p.pool.lower() == gpu.lower()), None)
        if by_pool is not None:
            return by_pool
        match = resolve_gpu(gpu, self._runpod.gpu_types())
        price = self._book.serverless_for(match.gpu)
        if price is None:
            raise InputError(f"{match.gpu.display_name} has no Serverless pool; try a100, 4090 or a4000")
        return price

    def deploy(self, actor: Actor, payload: Mapping[str, Any]) -> Endpoint:
        env = tuple((str(k), str(v)) for k, v in payload.get("env", []))

        def go() -> Endpoint:
            template = self._runpod.save_template(TemplateSpec(
                name=f"{payload['name']}-template", image=str(payload["image"]), is_serverless=True, env=env))
            return self._runpod.save_endpoint(EndpointSpec(
                name=str(payload["name"]), template_id=template.id, gpu_ids=(str(payload["pool"]),),
                workers_min=int(payload["min"]), workers_max=int(payload["max"]),
                idle_timeout_s=int(payload["idle_timeout"]), flashboot=bool(payload["flashboot"]),
                execution_timeout_ms=int(payload["timeout"]) * 1000, network_volume_id=payload.get("network_volume"),
            ))

        return self._act(actor, "deploy", str(payload["name"]), dict(payload), go)

    def _act(self, actor: Actor, verb: str, target: str, args: dict[str, Any], call: Any) -> Endpoint:
        args.pop("env", None)
        try:
            result: Endpoint = call()
        except RunPodError as exc:
            self._audit.failed(actor, verb, exc, target=target, args=args)
            raise
        self._audit.record(actor, verb, outcome=AuditOutcome.OK, target=result.id, args=args, answer="ok")
        return result
