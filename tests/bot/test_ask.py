"""`podwarden ask`, `console` and `demo` as a person uses them, against the in-process simulator."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest

from bot import console
from podwarden.cli import main

pytestmark = pytest.mark.usefixtures("podwarden_env")


def _ask_json(capsys: pytest.CaptureFixture[str], text: str) -> tuple[int, dict[str, object]]:
    code = main(["ask", "--sim", "--json", text])
    return code, json.loads(capsys.readouterr().out)


def test_quote_gives_the_guides_figures_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, answer = _ask_json(capsys, "quote a100 --hours 24/day")
    assert code == 0
    quote = answer["quote"]
    assert isinstance(quote, dict)
    assert quote["pod"]["gpu_id"] == "NVIDIA A100 80GB PCIe"
    assert Decimal(quote["pod"]["per_day"]) == Decimal("45.36")
    assert Decimal(quote["serverless"]["flex_per_busy_hour"]) == Decimal("2.736")
    assert round(Decimal(quote["break_even"]["busy_hours_per_day"]), 1) == Decimal("16.6")
    assert "16.6 h/day" in quote["recommendation"]
    assert "A100 SXM" in str(answer["note"])  # the other type the short name fits is named


def test_quote_in_requests_finds_the_request_break_even(capsys: pytest.CaptureFixture[str]) -> None:
    code, answer = _ask_json(capsys, "quote a4000 --requests 300/hour --seconds 5")
    assert code == 0
    serverless = answer["quote"]["serverless"]  # type: ignore[index]
    assert Decimal(serverless["per_request"]) == Decimal("0.0008")
    assert Decimal(answer["quote"]["break_even"]["requests_per_hour"]) == 350  # type: ignore[index]


def test_plain_quote_reads_well_in_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--sim", "quote", "a100", "--hours", "8/day"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Quote: 1 × A100 PCIe, secure cloud on-demand, 8 h/day for a 30-day month")
    assert "a Pod stopped after its 8 h is cheapest: $15.12/day, vs $21.89 on Serverless flex" in out
    assert "Prices: RunPod simulator catalog" in out


def test_size_and_gpus_answer_from_the_simulator_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    code, answer = _ask_json(capsys, "size 7B")
    assert code == 0
    size = answer["size"]
    assert size["fits"] is True  # type: ignore[index]
    assert any(o["gpu_id"] == "NVIDIA RTX A4000" and o["count"] == 1 for o in size["options"])  # type: ignore[index]
    code, answer = _ask_json(capsys, "gpus --min-vram 80 --cloud community")
    assert code == 0
    ids = [g["id"] for g in answer["gpus"]]  # type: ignore[union-attr]
    assert "NVIDIA H100 80GB HBM3" in ids
    assert "NVIDIA B200" not in ids  # not offered in community cloud
    assert all(g["memory_gb"] >= 80 for g in answer["gpus"])  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("size banana", "not a model size: 'banana'"),  # found by a service: bad input all the same
        ("quote banana", "unknown GPU 'banana'"),
        ("quote b200 --cloud community", "B200 is not offered in community cloud"),
        ("quote a100 --hours -3", "--hours: hours cannot be negative"),  # found by the parser
        ("quote a100 --hours 30/day", "24"),
        ("quote a100 x99", "Pods take 1 to 8 GPUs, got 99"),
        ("pods @nobody", "I don't know who @nobody is here"),
        ("stop nosuchpod", "no pod `nosuchpod`"),
    ],
)
def test_bad_input_is_one_line_plus_usage_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.setenv("PODWARDEN_MEMBERS", "U0ME")
    assert main(["ask", "--sim", "--as", "U0ME", text]) == 2
    out = capsys.readouterr().out
    first, *rest = out.strip().splitlines()
    assert message in first
    assert rest[-1].startswith("Usage: " + text.split()[0])
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("who", "text", "usage"),
    [
        ("U0ME", "size banana", "size <params"),  # a service's InputError
        ("U0ME", "quote a100 --hours -3", "quote <gpu>"),  # the parser's
        ("U0VIEWER", "start a100", None),  # a refusal: no usage to show
        ("U0ME", "clear", None),  # no such verb
    ],
)
def test_every_json_error_has_exactly_ok_error_and_usage(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, who: str, text: str, usage: str | None,
) -> None:
    monkeypatch.setenv("PODWARDEN_MEMBERS", "U0ME")
    main(["ask", "--sim", "--json", "--as", who, text])
    answer = json.loads(capsys.readouterr().out)
    assert set(answer) == {"ok", "error", "usage"}
    assert answer["ok"] is False
    assert isinstance(answer["error"], str)
    assert answer["error"]
    if usage is None:
        assert answer["usage"] is None
    else:
        assert str(answer["usage"]).startswith(usage)


def test_a_refusal_or_a_failure_exits_1_not_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--sim", "--as", "U0VIEWER", "stop some-pod"]) == 1
    assert "needs the member role" in capsys.readouterr().out


def test_buttons_in_an_ask_answer_say_where_they_can_be_pressed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PODWARDEN_MEMBERS", "U0ME")
    assert main(["ask", "--sim", "--as", "U0ME", "start a4000"]) == 0
    out = capsys.readouterr().out
    assert "[1] Confirm" in out
    assert out.splitlines()[-1] == console.ASK_BUTTONS
    assert main(["ask", "--sim", "--as", "U0ME", "quote a4000"]) == 0  # no buttons: no such line
    assert "cannot be pressed" not in capsys.readouterr().out
    assert main(["ask", "--sim", "--json", "--as", "U0ME", "start a4000"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True  # the JSON stays JSON


def test_flags_typed_inside_the_quoted_command_are_honoured(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--sim", "gpus --json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["ok"] is True
    assert answer["gpus"]
    assert main(["ask", "quote a100 --sim --json --as U0SOMEONE --hours 2"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["quote"]["period"]["running_hours"] == "2.00"
    assert main(["ask", "--sim", "quote a100 --as"]) == 2  # --as without a user is still bad input
    assert "--as needs a Slack user id" in capsys.readouterr().err


_CENTS = re.compile(r"-?\d+\.\d{2}")
_HOURLY = re.compile(r"-?\d+\.\d{3}")


def test_budget_and_pods_money_in_json_follows_the_documented_precision(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PODWARDEN_ADMINS", "U0BOSS")
    assert main(["ask", "--sim", "--as", "U0BOSS", "budget set global 50/day"]) == 0
    capsys.readouterr()
    assert main(["ask", "--sim", "--json", "--as", "U0BOSS", "budget"]) == 0
    budget = json.loads(capsys.readouterr().out)["budgets"][0]
    assert budget["budget_per_period"] == "50.00"
    assert budget["period"] == "day"
    assert _CENTS.fullmatch(budget["spent_per_period"])
    assert main(["ask", "--sim", "--json", "--as", "U0BOSS", "pods all"]) == 0
    fleet = json.loads(capsys.readouterr().out)
    assert _HOURLY.fullmatch(fleet["per_hour"])
    assert fleet["pods"]
    for pod in fleet["pods"]:
        assert _HOURLY.fullmatch(pod["per_hour"]), pod
        assert pod["cost_so_far"] is None or _CENTS.fullmatch(pod["cost_so_far"]), pod
        assert "cost_per_hr" not in pod
    assert main(["ask", "--sim", "--json", "--as", "U0BOSS", "policy"]) == 0
    policy = json.loads(capsys.readouterr().out)
    assert _HOURLY.fullmatch(policy["approval_threshold_per_hour"])


def test_an_admin_removes_a_budget_and_it_is_audited(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PODWARDEN_ADMINS", "U0BOSS")
    assert main(["ask", "--sim", "--as", "U0BOSS", "budget set global 50/day"]) == 0
    assert main(["ask", "--sim", "--as", "U0BOSS", "budget set global 5/hour"]) == 0
    capsys.readouterr()
    assert main(["ask", "--sim", "--as", "U0BOSS", "budget remove global day"]) == 0
    assert capsys.readouterr().out.startswith("Removed the budget for everyone: $50.00/day")
    assert main(["ask", "--sim", "--json", "--as", "U0BOSS", "budget"]) == 0
    left = json.loads(capsys.readouterr().out)["budgets"]
    assert [(b["period"], b["budget_per_period"]) for b in left] == [("hour", "5.00")]  # only that one went
    assert main(["ask", "--sim", "--as", "U0BOSS", "budget remove global day"]) == 2
    assert "no day budget for everyone" in capsys.readouterr().out
    assert main(["ask", "--sim", "--as", "U0VIEWER", "budget remove global hour"]) == 1
    assert "`budget remove` needs the admin role; you are a viewer" in capsys.readouterr().out
    assert main(["ask", "--sim", "--as", "U0BOSS", "audit --days 1"]) == 0
    audit = capsys.readouterr().out
    assert "budget remove" in audit
    assert main(["ask", "--sim", "--as", "U0BOSS", "help budget"]) == 0
    assert "remove <@user|team:NAME|global> <hour|day|month>" in capsys.readouterr().out


def test_help_shows_only_what_the_caller_may_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["ask", "--sim", "--as", "U0VIEWER", "help"]) == 0
    viewer = capsys.readouterr().out
    assert "`quote` —" in viewer
    assert "`start` —" not in viewer
    assert "members run `start`" in viewer  # named as another role's, not hidden
    monkeypatch.setenv("PODWARDEN_MEMBERS", "U0MEMBER")
    assert main(["ask", "--sim", "--as", "U0MEMBER", "help"]) == 0
    assert "`start` —" in capsys.readouterr().out
    assert main(["ask", "--sim", "--as", "U0VIEWER", "start a100"]) == 1
    assert "`start` needs the member role; you are a viewer" in capsys.readouterr().out
    assert main(["ask", "--sim", "--as", "U0VIEWER", "budget set team 50/day"]) == 1
    assert "`budget set` needs the admin role; you are a viewer" in capsys.readouterr().out


def test_the_console_answers_line_by_line() -> None:
    out = io.StringIO()
    console.repl(user="U0ME", sim=True, lines=["/gpu quote 4090", "", "qoute x", "quit", "size 7B"], out=out)
    text = out.getvalue()
    assert "Quote: 1 × RTX 4090" in text
    assert "did you mean `quote`" in text
    assert "needs ~14 GB" not in text  # nothing after quit is run


def test_demo_tours_without_any_account() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "podwarden", "demo", "--no-input"], capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("PODWARDEN_")},
        check=False, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert "Ledger at revision" in result.stdout
    assert "RunPod: in-process simulator, demo scenario" in result.stdout
    assert "/gpu quote a100 --hours 24/day" in result.stdout
    assert "$45.36" in result.stdout
    assert "Traceback" not in result.stderr
