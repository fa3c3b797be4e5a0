"""`podwarden demo`: piped, it plays the tour and the daemon's story on its own and exits."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator

from podwarden import cli_demo as demo


def test_the_piped_demo_warns_then_stops_the_forgotten_pod_and_resumes_it() -> None:
    out = io.StringIO()
    assert demo.run(interactive=False, out=out) == 0
    text = out.getvalue()
    assert "/gpu quote a100 --hours 24/day" in text  # the cost tour comes first
    warning = text.index("Pod bob-notebook has been idle since 09:01 UTC ($0.34/h).")
    keep = re.search(r"\[(\d+)\] Keep 1h  \[(\d+)\] Keep until tomorrow  \[(\d+)\] Stop now", text[warning:])
    assert keep is not None
    first = int(keep.group(1))  # numbered for the session: earlier notices' buttons keep theirs
    assert (int(keep.group(2)), int(keep.group(3))) == (first + 1, first + 2)
    stopped = text.index("Stopped pod bob-notebook: it was idle and nobody kept it.")
    assert warning < stopped
    assert "This saves $0.34/h. Nothing was deleted." in text[stopped:]
    assert "── An hour went by: 1 idle warning(s), 1 pod(s) stopped." in text  # the owner's, not their channel copies
    assert "Spot pod erin-spot-eval was evicted by RunPod" in text
    assert "Relaunch 1 × RTX 3090 on-demand for $0.22/h" in text  # the catalog's name, as `pods` shows it
    assert "NVIDIA GeForce RTX 3090" not in text
    assert "alice-llama-finetune" in text
    assert "Pod alice-llama-finetune has been idle" not in text
    assert "Resumed bob-notebook" in text  # Resume, then Confirm at the quoted price
    pressed = re.search(r"presses Resume on bob-notebook \(\[(\d+)\]\)", text)
    confirmed = re.search(r"confirms the price \(\[(\d+)\]\)", text)
    assert pressed is not None
    assert confirmed is not None
    assert f"[{pressed.group(1)}] Resume" in text
    assert f"[{confirmed.group(1)}] Resume  [{int(confirmed.group(1)) + 1}] Cancel" in text


def test_piped_commands_follow_the_scripted_hour_not_replace_it() -> None:
    out = io.StringIO()
    assert demo.run(interactive=False, out=out, lines=["", "pods all", "quit", "gpus"]) == 0
    text = out.getvalue()
    assert "An hour of the team's day follows" in text
    assert "The clock runs at one simulated minute per second" not in text  # no live clock for a pipe
    hour = text.index("── An hour went by: 1 idle warning(s), 1 pod(s) stopped.")
    piped = text.index("── Your 3 piped command(s), at the end of the hour:")
    assert hour < piped
    assert "Resumed bob-notebook" in text[:piped]
    assert "\n/gpu pods all\n" in text[piped:]
    assert "/gpu gpus" not in text[piped:]  # quit ends them
    assert "Run `make demo` in a terminal" not in text


def test_an_empty_pipe_plays_the_scripted_hour_as_dev_null_does() -> None:
    echoed, closed = io.StringIO(), io.StringIO()
    assert demo.run(interactive=False, out=echoed, lines=[""]) == 0  # `echo | make demo`
    assert demo.run(interactive=False, out=closed) == 0  # `make demo < /dev/null`
    assert "Stopped pod bob-notebook" in echoed.getvalue()
    assert "piped command" not in echoed.getvalue()
    def same(text: str) -> str:
        return re.sub(r"podwarden-demo-\w+", "podwarden-demo-TMP", text)  # the throwaway ledger's path

    assert same(echoed.getvalue()) == same(closed.getvalue())


def test_pressing_keep_in_the_live_demo_keeps_the_pod() -> None:
    out = io.StringIO()
    seen = []

    def lines() -> Iterator[str]:
        # The clock thread ticks every 50 ms here (15 ticks from warning to stop: 0.75 s to press Keep);
        # the script waits for what the demo shows.
        import time

        deadline = time.monotonic() + 60
        while (keep := re.search(r"\[(\d+)\] Keep 1h", out.getvalue())) is None:
            if time.monotonic() > deadline:
                raise AssertionError("no idle warning within a minute")
            time.sleep(0.01)
        seen.append("warned")
        yield keep.group(1)  # the number the console gave Keep 1h (earlier notices took lower ones)
        yield "policy"
        yield "quit"

    assert demo.run(interactive=True, out=out, lines=lines(), real_seconds_per_tick=0.05) == 0
    text = out.getvalue()
    assert seen == ["warned"]
    assert "Kept bob-notebook until" in text
    assert "Stopped pod bob-notebook" not in text
    assert "The daemon is running (last beat" in text  # the demo's daemon beats like a real one


def test_make_demo_runs_piped_without_any_account() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "podwarden", "demo", "--no-input", "--scenario", "team"], capture_output=True,
        text=True, timeout=180, env={k: v for k, v in os.environ.items() if not k.startswith("PODWARDEN_")},
        check=False, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert "RunPod: in-process simulator, team scenario" in result.stdout
    assert "Stopped pod bob-notebook" in result.stdout
    assert "Network volume old-checkpoints (300 GB) is attached to no pod" in result.stdout
    assert "Traceback" not in result.stderr
