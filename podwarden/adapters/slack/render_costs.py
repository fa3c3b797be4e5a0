"""Replies for the cost verbs: `gpus`, `quote`, `size`.

Every figure shown is also in `data` (Decimals kept exact; the JSON encoder writes them
as strings), so `podwarden ask --json` gives scripts the numbers people read.
"""

from __future__ import annotations

from decimal import Decimal

from podwarden.adapters.slack.reply import Reply, Section
from podwarden.domain.models import Cloud, GpuType
from podwarden.domain.money import format_number, format_rate, format_usd
from podwarden.domain.quote_results import Quote
from podwarden.domain.sizing import Sizing
from podwarden.services.costs import GpuList, QuoteAnswer


def _price(value: Decimal | None) -> str:
    return format_usd(value) if value is not None else "—"


def gpus(answer: GpuList) -> Reply:
    cloud = "any cloud" if answer.cloud is Cloud.ALL else f"{answer.cloud.value.lower()} cloud"
    vram = f", at least {answer.min_vram_gb} GB VRAM" if answer.min_vram_gb else ""
    if not answer.gpus:
        return Reply(title=f"No GPU type is offered in {cloud}{vram} right now.",
                     data={"cloud": answer.cloud, "gpus": []})
    spot_header = "lowest spot $/h" if answer.cloud is Cloud.ALL else "spot $/h"
    rows: list[tuple[str, ...]] = [("GPU", "VRAM", "secure $/h", "community $/h", spot_header, "stock")]
    for g in answer.gpus:
        spot = g.price(answer.cloud, spot=True)
        rows.append((g.display_name, f"{g.memory_gb} GB", _price(g.secure_price), _price(g.community_price),
                     _price(spot), g.stock(answer.cloud).value))
    return Reply(
        title=f"{len(answer.gpus)} GPU types in {cloud}{vram} (per GPU, {answer.price_source})",
        sections=(Section(table=tuple(rows)),
                  Section(lines=("`quote <gpu>` prices one; `size <params>` finds what fits a model.",))),
        data={"cloud": answer.cloud, "price_source": answer.price_source,
              "gpus": [_gpu_data(g, answer.cloud) for g in answer.gpus]},
    )


def _gpu_data(g: GpuType, cloud: Cloud) -> dict[str, object]:
    return {"id": g.id, "name": g.display_name, "memory_gb": g.memory_gb, "secure_per_hour": g.secure_price,
            "community_per_hour": g.community_price, "spot_per_hour": g.price(cloud, spot=True),
            "stock": g.stock(cloud).value}


def quote(answer: QuoteAnswer) -> Reply:
    q: Quote = answer.quote
    pod = q.pod
    kind = "spot" if pod.spot else "on-demand"
    title = (f"Quote: {pod.count} × {pod.gpu_name}, {pod.cloud.value.lower()} cloud {kind}, "
             f"{pod.period.label}")
    rows: list[tuple[str, ...]] = [("option", "rate", "per day", "period")]
    rows.append((f"Pod ({kind}) compute", format_rate(pod.per_hour, "h"), _day(pod.compute, pod.period.days),
                 format_usd(pod.compute)))
    for item in pod.storage:
        rows.append((f"  {item.label}", format_rate(item.rate.amount, item.rate.unit),
                     _day(item.amount, pod.period.days), format_usd(item.amount)))
    if pod.storage:
        rows.append(("  Pod total", "", _day(pod.total, pod.period.days), format_usd(pod.total)))
    if q.spot is not None and not pod.spot:
        spot_total = q.spot.spot_per_hour * pod.period.running_hours
        rows.append(("Pod (spot) compute", format_rate(q.spot.spot_per_hour, "h"), _day(spot_total, pod.period.days),
                     format_usd(spot_total)))
    if q.serverless is not None:
        s = q.serverless
        rows.append((f"Serverless flex ({s.label})", format_rate(s.flex_rate.amount * s.gpu_count, "s"),
                     _maybe(s.flex_per_day), format_usd(s.flex_total)))
        rows.append(("Serverless 1 active worker", format_rate(s.active_rate.amount * s.gpu_count, "s"),
                     format_usd(s.active_per_day), format_usd(s.active_total)))
    lines: list[str] = []
    if answer.note:
        lines.append(answer.note)
    per_request = q.serverless.per_request if q.serverless is not None else None
    if q.serverless is not None and per_request is not None:
        billed = q.serverless.billed_seconds_per_request or Decimal(0)
        lines.append(f"Serverless: {format_usd(per_request)} per request ({format_number(billed)} s billed each).")
    if q.break_even is not None:
        b = q.break_even
        even = f"Break-even: {format_number(b.busy_hours_per_day)} busy h/day " \
               f"({format_number(b.utilisation * 100, places=0)}% utilisation)"
        if b.requests_per_hour is not None:
            even += f", or {format_number(b.requests_per_hour)} requests/hour"
        lines.append(even + ".")
    if q.spot is not None and not pod.spot:
        lines.append(f"Spot saves {format_usd(q.spot.savings_per_hour)}/h "
                     f"({format_number(q.spot.savings_percent, places=0)}%), but {q.spot.caveat}.")
    if q.stop_vs_terminate is not None:
        lines.append(q.stop_vs_terminate.summary)
    sources = _sources(q)
    return Reply(
        title=title,
        sections=(Section(table=tuple(rows)), Section(lines=tuple(lines)),
                  Section(lines=(q.recommendation,), strong=True),
                  Section(lines=(*q.notes, sources))),
        data={"quote": q.as_dict(), "note": answer.note},
    )


def size(answer: Sizing) -> Reply:
    sections: list[Section] = []
    if answer.options:
        rows: list[tuple[str, ...]] = [("GPUs", "VRAM", "to spare", "$/h")]
        for option in answer.options[:10]:
            rows.append((f"{option.count} × {option.gpu_name}", f"{option.vram_gb} GB",
                         f"{format_number(option.headroom_gb)} GB", format_usd(option.per_hour)))
        sections.append(Section(table=tuple(rows)))
        if len(answer.options) > 10:
            more = f"(+{len(answer.options) - 10} more; `podwarden ask --json \"size …\"` lists all)"
            sections.append(Section(lines=(more,)))
    sections.append(Section(lines=(answer.note,)))
    return Reply(title=answer.headline, sections=tuple(sections), data={"size": answer.as_dict()})


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
