"""Replies for the cost verbs: `gpus`, `quote`, `size`.

Every figure shown is also in `data` (Decimals kept exact; the JSON encoder writes them
as strings), so `podwarden ask --json` gives scripts the numbers people read.
"""

from __future__ import annotations

from decimal import Decimal

from podwarden.adapters.slack import render_figures as figures
from podwarden.adapters.slack.reply import Reply, Section
from podwarden.domain.catalog import GpuList
from podwarden.domain.models import Cloud, GpuType
from podwarden.domain.money import format_number, format_rate, format_usd
from podwarden.domain.quote_results import Quote, QuoteAnswer
from podwarden.domain.sizing import Sizing, SizingOption, gb


def _price(value: Decimal | None) -> str:
    return format_usd(value) if value is not None else "—"


def gpus(answer: GpuList) -> Reply:
    cloud = "any cloud" if answer.cloud is Cloud.ALL else f"{answer.cloud.value.lower()} cloud"
    vram = f", at least {answer.min_vram_gb} GB VRAM" if answer.min_vram_gb else ""
    if not answer.gpus:
        return Reply(title=f"No GPU type is offered in {cloud}{vram} right now.",
                     data={"cloud": answer.cloud, "gpus": []})
    rows: list[tuple[str, ...]] = [
        ("GPU", "VRAM", "secure $/h", "secure spot", "community $/h", "community spot", "stock")
    ]
    for g in answer.gpus:
        rows.append((g.display_name, f"{g.memory_gb} GB", _price(g.secure_price), _price(g.secure_spot_price),
                     _price(g.community_price), _price(g.community_spot_price), g.stock(answer.cloud).value))
    return Reply(
        title=f"{len(answer.gpus)} GPU types in {cloud}{vram} (per GPU, {answer.price_source})",
        sections=(Section(table=tuple(rows)),
                  Section(lines=("Spot prices are per cloud: `quote <gpu> --spot --cloud community` prices the "
                                 "community one. `size <params>` finds what fits a model.",))),
        data={"cloud": answer.cloud, "price_source": answer.price_source,
              "gpus": [_gpu_data(g, answer.cloud) for g in answer.gpus]},
    )


def _gpu_data(g: GpuType, cloud: Cloud) -> dict[str, object]:
    return {"id": g.id, "name": g.display_name, "memory_gb": g.memory_gb,
            "secure_per_hour": _rate_h(g.secure_price), "secure_spot_per_hour": _rate_h(g.secure_spot_price),
            "community_per_hour": _rate_h(g.community_price),
            "community_spot_per_hour": _rate_h(g.community_spot_price),
            "stock": g.stock(cloud).value}


def quote(answer: QuoteAnswer) -> Reply:
    q: Quote = answer.quote
    pod = q.pod
    kind = "spot" if pod.spot else "on-demand"
    pods = f"{pod.pods} Pods of " if pod.pods > 1 else ""
    title = (f"Quote: {pods}{pod.count} × {pod.gpu_name}, {pod.cloud.value.lower()} cloud {kind}, "
             f"{pod.period.label}")
    days = pod.period.days
    rows: list[tuple[str, ...]] = [("option", "rate", "per day", "period")]
    pod_label = f"{pod.pods} Pods ({kind})" if pod.pods > 1 else f"Pod ({kind})"
    shown: list[Decimal] = [_shown_usd(pod.compute)]
    rows.append((f"{pod_label} compute", format_rate(pod.per_hour, "h"), _day(pod.compute, days),
                 format_usd(pod.compute)))
    for item in pod.storage:
        shown.append(_shown_usd(item.amount))
        rows.append((f"  {item.label}", format_rate(item.rate.amount, item.rate.unit), _day(item.amount, days),
                     format_usd(item.amount)))
    footnotes: list[str] = []
    if pod.storage:
        rows.append(("  Pod total" if pod.pods == 1 else "  Pods total", "", _day(pod.total, days),
                     format_usd(pod.total)))
        added = sum(shown, Decimal(0))
        if added != _shown_usd(pod.total):
            footnotes.append(f"Rows are rounded for display; the total is the exact sum, rounded "
                             f"({format_usd(added)} if the rounded rows were added).")
    if q.spot is not None and not pod.spot:
        spot_total = q.spot.spot_per_hour * pod.period.running_hours
        rows.append((f"{pod_label.replace(kind, 'spot')} compute", format_rate(q.spot.spot_per_hour, "h"),
                     _day(spot_total, days), format_usd(spot_total)))
    if q.serverless is not None:
        s = q.serverless
        rows.append((f"Serverless flex ({s.label})", format_rate(s.flex_rate.amount * s.gpu_count, "s"),
                     _maybe(s.flex_per_day), format_usd(s.flex_total)))
        workers = "1 active worker" if s.active_workers == 1 else f"{s.active_workers} active workers"
        rows.append((f"Serverless {workers}",
                     format_rate(s.active_rate.amount * s.gpu_count * s.active_workers, "s"),
                     format_usd(s.active_per_day), format_usd(s.active_total)))
    if days is None:  # one run: no day to divide by, so no row has a per-day figure
        rows = [("option", "rate", "this run"), *((row[0], row[1], *row[3:]) for row in rows[1:])]
    lines: list[str] = []
    if answer.note:
        lines.append(answer.note)
    per_request = q.serverless.per_request if q.serverless is not None else None
    if q.serverless is not None and per_request is not None:
        billed = q.serverless.billed_seconds_per_request or Decimal(0)
        lines.append(f"Serverless: {format_usd(per_request)} per request ({format_number(billed)} s billed each).")
    if q.break_even is not None and days is not None:  # busy hours a day mean nothing for one run
        b = q.break_even
        even = f"Break-even: {format_number(b.busy_hours_per_day)} busy h/day " \
               f"({format_number(b.utilisation * 100, places=0)}% utilisation)"
        if b.requests_per_hour is not None:
            even += f", or {format_number(b.requests_per_hour)} requests/hour per Pod"
        lines.append(even + ".")
    if q.spot is not None and not pod.spot:
        lines.append(f"Spot saves {format_usd(q.spot.savings_per_hour)}/h "
                     f"({format_number(q.spot.savings_percent, places=0)}%), but {q.spot.caveat}.")
    if q.stop_vs_terminate is not None:
        lines.append(q.stop_vs_terminate.summary)
    return Reply(
        title=title,
        sections=(Section(table=tuple(rows)), Section(lines=tuple(lines)),
                  Section(lines=(q.recommendation,), strong=True),
                  Section(lines=(*q.notes, *footnotes, _sources(q)))),
        data={"quote": quote_json(q), "note": answer.note},
    )


def quote_json(q: Quote) -> dict[str, object]:
    """The `--json` shape of a quote (docs/json.md): money in dollars to the cent, rates to
    RunPod's precision, each amount's period in its key, every key always of one type."""
    pod, period, s, b = q.pod, q.pod.period, q.serverless, q.break_even
    return {
        "gpu": {"id": pod.gpu_id, "name": pod.gpu_name, "per_pod": pod.count, "cloud": pod.cloud.value.lower(),
                "spot": pod.spot},
        "period": {"label": period.label, "running_hours": _qty(period.running_hours),
                   "total_hours": _qty(period.total_hours), "hours_per_day": _qty(period.hours_per_day),
                   "days": period.days},
        "pod": {
            "gpu_id": pod.gpu_id, "pods": pod.pods, "gpu_per_hour": _rate_h(pod.gpu_rate.amount),
            "per_hour": _rate_h(pod.per_hour), "compute_per_period": _usd(pod.compute),
            "storage": [{"label": i.label, "per_gb_month": _rate_h(i.rate.amount), "per_period": _usd(i.amount)}
                        for i in pod.storage],
            "storage_per_period": _usd(pod.storage_total), "total_per_period": _usd(pod.total),
            "per_day": _usd(pod.per_day),
        },
        "spot": None if q.spot is None else {
            "on_demand_per_hour": _rate_h(q.spot.on_demand_per_hour), "spot_per_hour": _rate_h(q.spot.spot_per_hour),
            "savings_per_hour": _rate_h(q.spot.savings_per_hour), "savings_percent": _qty(q.spot.savings_percent),
            "spot_per_period": _usd(q.spot.spot_per_hour * period.running_hours),
            "savings_per_period": _usd(q.spot.savings_over_period),
        },
        "other_cloud": None if q.other_cloud is None else {
            "cloud": q.other_cloud.cloud.value.lower(), "gpu_per_hour": _rate_h(q.other_cloud.per_hour),
            "cheaper": q.other_cloud.cheaper,
        },
        "serverless": None if s is None else {
            "pool": s.pool, "label": s.label, "exact_class": s.exact_class, "estimate": s.estimate,
            "flex_per_second": _rate_s(s.flex_rate.amount * s.gpu_count),
            "flex_per_busy_hour": _rate_h(s.flex_per_busy_hour), "busy_hours_per_period": _qty(s.busy_hours),
            "flex_per_period": _usd(s.flex_total), "flex_per_day": _usd(s.flex_per_day),
            "requests_per_hour": _qty(s.requests_per_hour), "seconds_per_request": _qty(s.seconds_per_request),
            "billed_seconds_per_request": _qty(s.billed_seconds_per_request), "per_request": _rate_s(s.per_request),
            "active_workers": s.active_workers,
            "active_per_second": _rate_s(s.active_rate.amount * s.gpu_count * s.active_workers),
            "active_per_hour": _rate_h(s.active_per_hour), "active_per_day": _usd(s.active_per_day),
            "active_per_month": _usd(s.active_per_month), "active_per_period": _usd(s.active_total),
        },
        "break_even": None if b is None else {
            "pod_per_hour": _rate_h(b.pod_per_hour), "busy_hours_per_day": _qty(b.busy_hours_per_day),
            "utilisation_percent": _qty(b.utilisation * 100), "requests_per_hour": _qty(b.requests_per_hour),
        },
        "stop_vs_terminate": None if q.stop_vs_terminate is None else {
            "volume_gb": _qty(q.stop_vs_terminate.volume_gb),
            "stopped_per_hour": _rate_h(q.stop_vs_terminate.stopped_per_hour),
            "stopped_per_day": _usd(q.stop_vs_terminate.stopped_per_day),
            "stopped_per_month": _usd(q.stop_vs_terminate.stopped_per_month),
        },
        "recommendation": q.recommendation,
        "notes": list(q.notes),
        "sources": _sources(q).removeprefix("Prices: ").removesuffix("."),
    }


def _shown_usd(amount: Decimal) -> Decimal:
    """An amount as the table shows it (`format_usd`), read back: what a person would add up."""
    return Decimal(format_usd(amount).replace("$", "").replace(",", ""))


def size(answer: Sizing) -> Reply:
    sections: list[Section] = []
    if answer.options:
        rows: list[tuple[str, ...]] = [("GPUs", "VRAM", "to spare", "$/h")]
        for option in answer.options[:10]:
            rows.append((f"{option.count} × {option.gpu_name}", f"{option.vram_gb} GB",
                         f"{gb(option.headroom_gb)} GB", format_usd(option.per_hour)))
        sections.append(Section(table=tuple(rows)))
        if len(answer.options) > 10:
            more = f"(+{len(answer.options) - 10} more; `podwarden ask --json \"size …\"` lists all)"
            sections.append(Section(lines=(more,)))
    room = (f"{answer.comfortable_batch} × {answer.comfortable_context:,}-token sequences, "
            f"{gb(answer.comfortable_required_gb)} GB")
    if answer.comfortable is not None:
        c = answer.comfortable
        comfort = (f"Comfortable (room for the KV cache of {room}): {c.count} × {c.gpu_name} at "
                   f"{format_usd(c.per_hour)}/h ({gb(c.headroom_gb)} GB to spare).")
    else:
        comfort = f"Comfortable (room for the KV cache of {room}): no single Pod has that much."
    sections.append(Section(lines=(comfort,), strong=True))
    sections.append(Section(lines=(answer.note,)))
    return Reply(title=answer.headline, sections=tuple(sections), data={"size": size_json(answer)})


def size_json(answer: Sizing) -> dict[str, object]:
    """The `--json` shape of a size answer (docs/json.md): GB to two decimals, $/h to the tenth of a cent."""
    def option(o: SizingOption | None) -> dict[str, object] | None:
        if o is None:
            return None
        return {"gpu_id": o.gpu_id, "gpu_name": o.gpu_name, "count": o.count, "memory_gb": o.memory_gb,
                "vram_gb": _qty(o.vram_gb), "usable_gb": _qty(o.usable_gb), "headroom_gb": _qty(o.headroom_gb),
                "gpu_per_hour": _rate_h(o.gpu_rate.amount), "per_hour": _rate_h(o.per_hour)}

    return {
        "label": answer.label, "params_billions": str(answer.params_b), "dtype": answer.dtype,
        "bytes_per_param": str(answer.bytes_per_param), "weights_gb": _qty(answer.weights_gb),
        "overhead_gb": _qty(answer.overhead_gb), "context": answer.context,
        "kv_cache_gb": _qty(answer.kv_cache_gb), "required_gb": _qty(answer.required_gb),
        "usable_fraction": str(answer.usable_fraction), "cloud": answer.cloud.value.lower(), "spot": answer.spot,
        "fits": answer.fits, "options": [option(o) for o in answer.options],
        "comfortable": {"context": answer.comfortable_context, "batch": answer.comfortable_batch,
                        "kv_cache_gb": _qty(answer.comfortable_kv_cache_gb),
                        "required_gb": _qty(answer.comfortable_required_gb), "option": option(answer.comfortable)},
        "skipped": [option(o) for o in answer.skipped],
        "headline": answer.headline, "note": answer.note,
    }


def _day(amount: Decimal, days: int | None) -> str:
    return format_usd(amount / days) if days else ""


def _maybe(amount: Decimal | None) -> str:
    return format_usd(amount) if amount is not None else ""


def _sources(q: Quote) -> str:
    seen: list[str] = []
    rates = [q.pod.gpu_rate, *(i.rate for i in q.pod.storage)]
    if q.serverless is not None:
        rates.append(q.serverless.flex_rate)
    for rate in rates:
        if rate.source not in seen:
            seen.append(rate.source)
    return "Prices: " + "; ".join(seen) + "."



# JSON figures: decimal strings at a fixed precision per kind (render_figures), so a key
# always has one type and one shape.
_usd, _rate_h, _rate_s, _qty = figures.usd, figures.rate_h, figures.rate_s, figures.qty
