"""The start form: opened by a bare `/gpu start`, its price line kept current as the
person picks, its submission sent through the same `start` command and confirm flow."""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bot import modals
from bot.listeners.face import BUSY, FAILED, Face, message
from podwarden.adapters.slack.reply import Reply, error_reply
from podwarden.errors import DomainError, PodwardenError

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

log = logging.getLogger("podwarden.bot.views")


def price_line(face: Face, choice: modals.StartChoice) -> str:
    """What the pick costs per hour, GPUs and disks together, or why it has no price."""
    if not choice.gpu:
        return "Pick a GPU to see what it costs."
    try:
        answer = face.services.costs.quote(
            gpu=choice.gpu, count=choice.count, hours=Decimal(1), spot=choice.spot, cloud=choice.cloud,
            container_disk_gb=choice.disk, volume_gb=choice.volume,
        )
    except (PodwardenError, DomainError) as exc:
        return f":warning: {exc}"
    pod = answer.quote.pod
    kind = "spot" if pod.spot else "on-demand"
    return (f"*${pod.total.quantize(Decimal('0.01'))}/h* for {pod.count} × {pod.gpu_name}, "
            f"{pod.cloud.value.lower()} cloud {kind} (GPUs ${pod.per_hour.quantize(Decimal('0.001'))}/h, "
            f"disks ${pod.storage_total.quantize(Decimal('0.001'))}/h).")


class StartForm:
    def __init__(self, face: Face) -> None:
        self._face = face

    def register(self, app: App) -> None:
        app.action(re.compile("^" + re.escape(modals.PREFIX)))(self.on_change)
        app.view(modals.CALLBACK_ID)(self.on_submit)

    def open(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        """Ack, open a loading modal on the trigger_id at once, then fill it from the catalog."""
        from slack_sdk.errors import SlackApiError

        meta = modals.metadata(channel=body.get("channel_id"), response_url=body.get("response_url"))
        ack()
        try:
            opened = client.views_open(trigger_id=body["trigger_id"], view=modals.loading_view(meta))
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            log.warning("views.open failed: %s", error)
            respond(response_type="ephemeral", text=f"Could not open the start form (Slack said {error}); "
                                                    "type `start <gpu>` instead, e.g. `start a4000`.")
            return
        view_id = opened["view"]["id"]

        def fill() -> None:
            try:
                gpus = self._face.services.costs.gpus().gpus
                volumes = self._face.services.runpod.network_volumes()
                view = modals.form_view(meta, gpus, volumes=volumes)
            except (PodwardenError, DomainError) as exc:
                view = {**modals.loading_view(meta), "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": f":warning: {exc}"}}]}
            client.views_update(view_id=view_id, view=view)

        if not self._face.worker.submit(fill, name="start form"):
            client.views_update(view_id=view_id, view={**modals.loading_view(meta), "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": BUSY}}]})

    def on_change(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        choice = modals.read_choice(view.get("state") or {})

        def update() -> None:
            client.views_update(view_id=view["id"], hash=view.get("hash"),
                                view=modals.with_price(view, price_line(self._face, choice)))

        self._face.worker.submit(update, name="start form price")

    def on_submit(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        choice = modals.read_choice(view.get("state") or {})
        if not choice.gpu:
            ack(response_action="errors", errors={"gpu": "Pick a GPU."})
            return
        ack()
        user = str((body.get("user") or {}).get("id") or "")
        meta = modals.read_metadata(view)
        text = choice.command()

        def work() -> None:
            try:
                reply = self._face.dispatcher.handle(text, self._face.caller(user, meta["channel"]))
            except Exception:
                log.exception("start form failed")
                reply = error_reply(FAILED)
            self._answer(client, user, meta, reply)

        if not self._face.worker.submit(work, name="start form submit"):
            self._answer(client, user, meta, error_reply(BUSY))

    @staticmethod
    def _answer(client: WebClient, user: str, meta: dict[str, str | None], reply: Reply) -> None:
        """Into the conversation the command came from (its response_url), else a DM."""
        if meta["response_url"]:
            from slack_sdk.webhook import WebhookClient

            WebhookClient(meta["response_url"]).send(response_type="ephemeral", replace_original=False,
                                                    **message(reply))
            return
        client.chat_postMessage(channel=user, **message(reply))
