"""The start form as Block Kit views, and the `start` text its answers make.

The form opens as a "loading" modal first (a `trigger_id` expires 3 seconds after the
command), then is filled with the GPU catalog; every pick sends a block action that
updates the price line. Submitting builds the same `start ...` text a person would type,
so the form goes through the one parser, the role check and the confirm flow.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from podwarden.domain.models import GpuType, NetworkVolume

CALLBACK_ID = "podwarden_start"
PREFIX = "start_form:"
PRICE_BLOCK = "price"
MAX_OPTIONS = 100  # Slack's limit for a static select

FIELDS = ("gpu", "count", "cloud", "spot", "disk", "volume", "network_volume", "image")


@dataclass(frozen=True, slots=True)
class StartChoice:
    """What the form holds right now; None where nothing was picked or typed."""

    gpu: str | None = None
    count: int = 1
    cloud: str | None = None
    spot: bool = False
    disk: int | None = None
    volume: int | None = None
    network_volume: str | None = None
    image: str | None = None

    def command(self) -> str:
        """The `start` command text, as a person would type it."""
        if not self.gpu:
            raise ValueError("a start needs a GPU")
        words = ["start", self.gpu]
        if self.count != 1:
            words.append(f"x{self.count}")
        if self.cloud:
            words += ["--cloud", self.cloud]
        if self.spot:
            words.append("--spot")
        if self.disk is not None:
            words += ["--disk", str(self.disk)]
        if self.volume is not None:
            words += ["--volume", str(self.volume)]
        if self.network_volume:
            words += ["--network-volume", self.network_volume]
        if self.image:
            words += ["--image", self.image]
        return shlex.join(words)


def metadata(*, channel: str | None, response_url: str | None) -> str:
    """Where to answer once the form is submitted (a modal has no response_url of its own)."""
    return json.dumps({"channel": channel, "response_url": response_url})


def read_metadata(view: dict[str, Any]) -> dict[str, str | None]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {"channel": None, "response_url": None}
    return {"channel": data.get("channel"), "response_url": data.get("response_url")}


def loading_view(meta: str) -> dict[str, Any]:
    return {
        "type": "modal", "callback_id": CALLBACK_ID, "private_metadata": meta,
        "title": _plain("Start a GPU pod"), "close": _plain("Cancel"),
        "blocks": [_section("Loading the GPU catalog…")],
    }


def form_view(
    meta: str, gpus: Iterable[GpuType], *, volumes: Iterable[NetworkVolume] = (),
    price: str = "Pick a GPU to see what it costs.",
) -> dict[str, Any]:
    """The form. Network volumes are a menu of the account's (with their data centre, which
    the pod then runs in), or a text field when there are none to pick from."""
    options = [_option(f"{g.display_name} ({g.memory_gb} GB)", g.id) for g in list(gpus)[:MAX_OPTIONS]]
    volume_options = [
        _option(f"{v.name} ({v.size_gb} GB{', ' + v.data_center_id if v.data_center_id else ''})", v.id)
        for v in list(volumes)[:MAX_OPTIONS]
    ]
    network_volume: dict[str, Any] = (
        {"type": "static_select", "options": volume_options, "placeholder": _plain("None")}
        if volume_options else {"type": "plain_text_input"}
    )
    return {
        "type": "modal", "callback_id": CALLBACK_ID, "private_metadata": meta,
        "title": _plain("Start a GPU pod"), "submit": _plain("Review"), "close": _plain("Cancel"),
        "blocks": [
            _input("gpu", "GPU", {"type": "static_select", "options": options or [_option("none offered", "-")],
                                  "placeholder": _plain("Pick a GPU")}),
            _input("count", "How many GPUs", {"type": "static_select",
                                              "options": [_option(str(n), str(n)) for n in range(1, 9)],
                                              "initial_option": _option("1", "1")}),
            _input("cloud", "Cloud", {"type": "static_select",
                                      "options": [_option("Secure cloud", "secure"),
                                                  _option("Community cloud", "community")],
                                      "initial_option": _option("Secure cloud", "secure")}),
            _input("spot", "Spot", {"type": "checkboxes",
                                    "options": [_option("Spot (cheaper, may be interrupted)", "spot")]},
                   optional=True),
            _input("disk", "Container disk (GB)", {"type": "number_input", "is_decimal_allowed": False,
                                                   "min_value": "1"}, optional=True),
            _input("volume", "Volume disk (GB)", {"type": "number_input", "is_decimal_allowed": False,
                                                  "min_value": "0"}, optional=True),
            _input("network_volume", "Network volume", network_volume, optional=True, dispatch=False),
            _input("image", "Image", {"type": "plain_text_input",
                                      "placeholder": _plain("runpod/pytorch:2.4.0-py3.11-cuda12.4.1")},
                   optional=True),
            _price_block(price),
        ],
    }


def with_price(view: dict[str, Any], price: str) -> dict[str, Any]:
    """The same form (its options, its metadata) with a new price line, for views.update."""
    blocks = [b for b in view.get("blocks", []) if b.get("block_id") != PRICE_BLOCK]
    return {
        "type": "modal", "callback_id": CALLBACK_ID, "private_metadata": view.get("private_metadata", ""),
        "title": view.get("title") or _plain("Start a GPU pod"), "submit": view.get("submit") or _plain("Review"),
        "close": view.get("close") or _plain("Cancel"), "blocks": [*blocks, _price_block(price)],
    }


def read_choice(state: dict[str, Any]) -> StartChoice:
    """The form's answers from `view.state.values` (a block per field, one action in each)."""
    values = state.get("values") or {}

    def element(name: str) -> dict[str, Any]:
        block = values.get(name) or {}
        got = block.get(PREFIX + name) or {}
        return got if isinstance(got, dict) else {}

    def selected(name: str) -> str | None:
        option = element(name).get("selected_option") or {}
        value = option.get("value")
        return str(value) if value and value != "-" else None

    def typed(name: str) -> str | None:
        value = element(name).get("value")
        return str(value).strip() or None if value is not None else None

    def number(name: str) -> int | None:
        text = typed(name)
        try:
            return int(Decimal(text)) if text is not None else None
        except ArithmeticError:
            return None

    return StartChoice(
        gpu=selected("gpu"),
        count=int(selected("count") or 1),
        cloud=selected("cloud"),
        spot=bool(element("spot").get("selected_options")),
        disk=number("disk"),
        volume=number("volume"),
        network_volume=selected("network_volume") or typed("network_volume"),
        image=typed("image"),
    )


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _price_block(text: str) -> dict[str, Any]:
    return {"type": "section", "block_id": PRICE_BLOCK, "text": {"type": "mrkdwn", "text": text[:3000]}}


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": _plain(text[:75]), "value": value[:150]}


def _input(
    name: str, label: str, element: dict[str, Any], *, optional: bool = False, dispatch: bool = True,
) -> dict[str, Any]:
    """An input block; `dispatch`: a pick sends a block action (the price line follows it)."""
    return {
        "type": "input", "block_id": name, "label": _plain(label), "optional": optional,
        "dispatch_action": dispatch and element["type"] in {"static_select", "checkboxes", "number_input"},
        "element": {**element, "action_id": PREFIX + name},
    }
