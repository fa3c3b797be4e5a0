"""The one command parser: typed commands from Slack-style text, and one-line errors with usage."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot import commands as c
from bot.parser import VERBS, parse
from podwarden.domain.errors import InputError


def test_every_design_verb_is_known() -> None:
    design = [
        "help", "gpus", "pods", "start", "stop", "resume", "terminate", "ssh", "ssh-config", "keep",
        "endpoints", "deploy", "scale", "quote", "size", "spend", "budget", "policy", "digest",
    ]
    assert [v.name for v in VERBS] == design


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quote a100 --hours 24/day", c.Quote(gpu="a100", hours_per_day=Decimal(24))),
        ("quote a100 --hours 36", c.Quote(gpu="a100", hours=Decimal(36))),
        ("quote h100 sxm x4 --spot --cloud community", c.Quote(gpu="h100 sxm", count=4, spot=True, cloud="community")),
        ("quote a100x2", c.Quote(gpu="a100", count=2)),
        ("quote 2x a100", c.Quote(gpu="a100", count=2)),
        ("quote mi300x", c.Quote(gpu="mi300x")),
        ("quote rtx4090", c.Quote(gpu="rtx4090")),
        ("quote rtx3090 x2", c.Quote(gpu="rtx3090", count=2)),
        ("quote h100x8", c.Quote(gpu="h100", count=8)),
        ("quote 2x4090", c.Quote(gpu="4090", count=2)),
        ("quote a4000 --requests 350/hour --seconds 5",
         c.Quote(gpu="a4000", requests_per_hour=Decimal(350), seconds_per_request=Decimal(5))),
        ("QUOTE a100 --hours=8h/day --disk 50GB", c.Quote(gpu="a100", hours_per_day=Decimal(8), container_disk_gb=50)),
        ("size 70B --dtype INT4 --context 8192", c.Size(params="70B", dtype="int4", context=8192)),
        ("gpus --min-vram 48", c.Gpus(min_vram_gb=48)),
        ("pods", c.Pods(scope="mine")),
        ("pods all", c.Pods(scope="all")),
        ("stop train-1", c.Stop(pod="train-1")),
        ("keep train-1 until 18:00", c.Keep(pod="train-1", until="until 18:00")),
        ('start 4090 --name "my pod" --env A=1 --env B=x=y',
         c.Start(gpu="4090", name="my pod", env=(("A", "1"), ("B", "x=y")))),
        ("start a100 --name “smart quotes”", c.Start(gpu="a100", name="smart quotes")),
        ("budget set team 50/day --hard", c.Budget(subject="team", amount=Decimal(50), period="day", hard=True)),
        ("scale infer --min 0", c.Scale(endpoint="infer", workers_min=0)),
        ("deploy infer --image org/w:1 --gpu a100 --no-flashboot",
         c.Deploy(name="infer", image="org/w:1", gpu="a100", flashboot=False)),
        ("", c.Help()),
        ("help quote", c.Help(topic="quote")),
    ],
)
def test_text_becomes_a_typed_command(text: str, expected: c.Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "usage_starts"),
    [
        ("quote", "missing GPU", "quote <gpu>"),
        ("quote a100 --hours -3", "--hours: hours cannot be negative", "quote <gpu>"),
        ("quote a100 --hours 0", "--hours must be more than zero", "quote <gpu>"),
        ("quote a100 --hours 0/day", "--hours must be more than zero", "quote <gpu>"),
        ("quote a100 --hours lots", "--hours takes hours such as 10 or 8/day, got 'lots'", "quote <gpu>"),
        ("quote a100 --requests 300/hour", "--requests and --seconds go together", "quote <gpu>"),
        ("quote a100 --hourz 3", "`quote` has no option --hourz; did you mean --hours?", "quote <gpu>"),
        ("quote a100 --hours", "--hours needs a value", "quote <gpu>"),
        ("quote a100 x0", "the GPU count must be at least 1", "quote <gpu>"),
        ("size banana eggs", "expected one model size", "size <params"),
        ("gpus --cloud mars", "--cloud takes secure|community, got 'mars'", "gpus"),
        ("stop", "missing pod", "stop <pod>"),
        ("start a100 --image x --template y", "give --image or --template, not both", "start <gpu>"),
        ("start a100 --env NOEQUALS", "--env takes KEY=value", "start <gpu>"),
        ("budget set team lots", "expected an amount per period", "budget"),
        ('quote "a100', "could not read that", None),
    ],
)
def test_bad_input_is_one_line_and_the_usage(text: str, message: str, usage_starts: str | None) -> None:
    with pytest.raises(InputError) as caught:
        parse(text)
    assert message in caught.value.message
    assert "\n" not in caught.value.message
    if usage_starts is None:
        assert caught.value.usage is None
    else:
        assert caught.value.usage is not None
        assert caught.value.usage.startswith(usage_starts)


def test_an_unknown_verb_suggests_the_closest() -> None:
    with pytest.raises(InputError, match="unknown command `qoute`; did you mean `quote`"):
        parse("qoute a100")
