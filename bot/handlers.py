"""The handlers this build can run, keyed by command type: one service call and one render each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import commands as c
from bot.dispatch import Caller, Dispatcher, Handler
from podwarden.adapters.slack import render_costs
from podwarden.adapters.slack.reply import Reply

if TYPE_CHECKING:
    from podwarden.bootstrap import Services


def handlers_for(services: Services) -> dict[type[c.Command], Handler]:
    costs = services.costs

    def gpus(command: c.Command, caller: Caller) -> Reply:
        assert isinstance(command, c.Gpus)
        return render_costs.gpus(costs.gpus(cloud=command.cloud, min_vram_gb=command.min_vram_gb))

    def quote(command: c.Command, caller: Caller) -> Reply:
        assert isinstance(command, c.Quote)
        return render_costs.quote(costs.quote(
            gpu=command.gpu, count=command.count, hours=command.hours, hours_per_day=command.hours_per_day,
            requests_per_hour=command.requests_per_hour, seconds_per_request=command.seconds_per_request,
            spot=command.spot, cloud=command.cloud, container_disk_gb=command.container_disk_gb,
            volume_gb=command.volume_gb,
        ))

    def size(command: c.Command, caller: Caller) -> Reply:
        assert isinstance(command, c.Size)
        return render_costs.size(costs.size(params=command.params, dtype=command.dtype, context=command.context,
                                            cloud=command.cloud))

    return {c.Gpus: gpus, c.Quote: quote, c.Size: size}


def build_dispatcher(services: Services) -> Dispatcher:
    """The one dispatcher every face uses: the bot's verbs and buttons, the reports, and the
    buttons of the daemon's notices."""
    from bot.lifecycle_actions import lifecycle_actions
    from bot.reports import report_handlers

    handlers = {**handlers_for(services), **report_handlers(services)}
    return Dispatcher(handlers, command=services.settings.slack_command, actions=lifecycle_actions(services))
