"""`podwarden ask`, `console` and `demo` as a person uses them, against the in-process simulator."""

from __future__ import annotations

import io
import json
import os
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
    ("text", "message", "code"),
    [
        ("size banana", "not a model size: 'banana'", 1),  # found by the service: exit 1 until dispatch says
        ("quote banana", "unknown GPU 'banana'", 1),
        ("quote a100 --hours -3", "--hours: hours cannot be negative", 2),  # found by the parser: exit 2
        ("quote a100 --hours 30/day", "24", 2),
        ("quote a100 x99", "Pods take 1 to 8 GPUs, got 99", 1),
    ],
)
def test_bad_input_is_one_line_plus_usage_and_exit_1(
    capsys: pytest.CaptureFixture[str], text: str, message: str, code: int
) -> None:
    assert main(["ask", "--sim", text]) == code
    out = capsys.readouterr().out
    first, *rest = out.strip().splitlines()
    assert message in first
    assert rest[-1].startswith("Usage: " + text.split()[0])
    assert "Traceback" not in out


def test_help_shows_only_what_the_caller_may_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["ask", "--sim", "--as", "U0VIEWER", "help"]) == 0
    viewer = capsys.readouterr().out
    assert "`quote`" in viewer
    assert "`start`" not in viewer
    monkeypatch.setenv("PODWARDEN_MEMBERS", "U0MEMBER")
    assert main(["ask", "--sim", "--as", "U0MEMBER", "help"]) == 0
    assert "`start`" in capsys.readouterr().out
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
