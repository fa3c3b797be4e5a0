"""`gpus`, `quote` and `size`: the cost questions (their renderers are render_costs)."""

from __future__ import annotations

from bot import commands as c
from bot.dispatch import Caller, Handler
from bot.verbs import Verbs, on
from podwarden.adapters.slack import render_costs
from podwarden.adapters.slack.reply import Reply


def cost_handlers(v: Verbs) -> dict[type[c.Command], Handler]:
    costs = v.services.costs

    def gpus(cmd: c.Gpus, caller: Caller) -> Reply:
        return render_costs.gpus(costs.gpus(cloud=cmd.cloud, min_vram_gb=cmd.min_vram_gb))

    def quote(cmd: c.Quote, caller: Caller) -> Reply:
        return render_costs.quote(costs.quote(
            gpu=cmd.gpu, count=cmd.count, hours=cmd.hours, hours_per_day=cmd.hours_per_day,
            requests_per_hour=cmd.requests_per_hour, seconds_per_request=cmd.seconds_per_request,
            spot=cmd.spot, cloud=cmd.cloud, container_disk_gb=cmd.container_disk_gb, volume_gb=cmd.volume_gb,
        ))

    def size(cmd: c.Size, caller: Caller) -> Reply:
        return render_costs.size(costs.size(params=cmd.params, dtype=cmd.dtype, context=cmd.context,
                                            cloud=cmd.cloud, batch=cmd.batch))

    return dict([on(c.Gpus, gpus), on(c.Quote, quote), on(c.Size, size)])
