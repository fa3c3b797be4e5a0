"""Replies render the same answer as text, Block Kit within Slack's limits, and JSON."""

from __future__ import annotations

import json
from decimal import Decimal

from podwarden.adapters.slack.reply import MAX_BLOCKS, MAX_SECTION_CHARS, Button, Reply, Section, error_reply


def test_text_blocks_and_json_carry_the_same_answer() -> None:
    reply = Reply(
        title="Quote: 1 × A100 <PCIe>",
        sections=(Section(table=(("option", "rate"), ("Pod", "$1.89/h"))), Section(lines=("Pod wins",), strong=True)),
        buttons=(Button("Stop now", "stop", value="pod1", style="danger", confirm="Stop pod1?"),),
        data={"per_hour": Decimal("1.89")},
    )
    text = reply.text()
    assert text.splitlines()[0] == "Quote: 1 × A100 <PCIe>"
    assert "Pod     $1.89/h" in text
    blocks = reply.blocks()
    assert blocks[0]["text"]["text"] == "*Quote: 1 × A100 &lt;PCIe&gt;*"  # Slack's escaping
    assert any(b.get("text", {}).get("text") == "*Pod wins*" for b in blocks)
    button = blocks[-1]["elements"][0]
    assert button["action_id"] == "stop"
    assert button["confirm"]["text"]["text"] == "Stop pod1?"
    assert json.loads(reply.json()) == {"ok": True, "title": "Quote: 1 × A100 <PCIe>", "per_hour": "1.89"}


def test_long_answers_stay_within_slack_limits() -> None:
    lines = tuple(f"line {n} " + "x" * 80 for n in range(2000))
    blocks = Reply(title="big", sections=(Section(lines=lines),)).blocks()
    assert len(blocks) <= MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= MAX_SECTION_CHARS for b in blocks if b["type"] == "section")
    assert "truncated" in blocks[-1]["text"]["text"]


def test_errors_are_marked_not_ok_and_carry_the_usage() -> None:
    reply = error_reply("missing pod", usage="stop <pod>")
    assert reply.text() == "missing pod\n\nUsage: stop <pod>\n"
    assert json.loads(reply.json()) == {"ok": False, "error": "missing pod", "usage": "stop <pod>"}


def test_an_error_in_json_always_has_error_and_usage_and_nothing_else() -> None:
    assert json.loads(error_reply("RunPod is down").json()) == {"ok": False, "error": "RunPod is down",
                                                                 "usage": None}
    refused = Reply(title="Not starting x: it would break a cap", data={"refusals": ["over"]}, ok=False)
    assert json.loads(refused.json()) == {"ok": False, "error": "Not starting x: it would break a cap",
                                          "usage": None}


def test_an_error_says_whose_it_is() -> None:
    assert error_reply("bad size", kind="input").kind == "input"
    assert error_reply("RunPod is down").kind == "failure"
    assert Reply(title="fine").kind == "answer"
