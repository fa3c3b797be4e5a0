"""`podwarden doctor` with ``PODWARDEN_RUNPOD_API=rest``: the REST v2 base URL is tried too.

The account goes over GraphQL whichever API is chosen, so without a REST read a wrong
``PODWARDEN_RUNPOD_REST_URL`` would pass doctor and fail the first ``pods``. These run the
simulator in process (``--sim``) and on a loopback port, with a dead port for REST.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from podwarden.cli import main
from podwarden.clock import ManualClock
from podwarden.sim import RunPodSimulator, Scenario
from podwarden.sim.server import SimServer, serve

KEY = "rpa_doctor_k3y_never_printed"

pytestmark = pytest.mark.usefixtures("podwarden_env")


@pytest.fixture
def server() -> Iterator[SimServer]:
    sim = RunPodSimulator(clock=ManualClock(), api_key=KEY, scenario=Scenario.load("demo"))
    with serve(sim) as running:
        yield running


@pytest.fixture
def rest_env(monkeypatch: pytest.MonkeyPatch, server: SimServer) -> SimServer:
    """REST chosen, every RunPod URL on the loopback simulator, the ledger migrated."""
    monkeypatch.setenv("PODWARDEN_RUNPOD_API", "rest")
    monkeypatch.setenv("PODWARDEN_RUNPOD_API_KEY", KEY)
    monkeypatch.setenv("PODWARDEN_RUNPOD_GRAPHQL_URL", f"{server.url}/graphql")
    monkeypatch.setenv("PODWARDEN_RUNPOD_REST_URL", f"{server.url}/v2")
    assert main(["migrate"]) == 0
    return server


def _lines(out: str, start: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(start)]


def _doctor_with_rest_url(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> tuple[str, str, str]:
    """doctor with `url` as the REST base: it fails, with exactly one `runpod rest` line
    (returned, with all it printed to stdout and to stderr)."""
    monkeypatch.setenv("PODWARDEN_RUNPOD_REST_URL", url)
    capsys.readouterr()
    assert main(["doctor"]) == 1
    captured = capsys.readouterr()
    [failed] = _lines(captured.out, "FAIL runpod rest:")
    return failed, captured.out, captured.err


def _dead_port() -> int:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return int(free.getsockname()[1])


def test_sim_doctor_reads_rest_only_when_rest_is_chosen(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    main(["migrate"])
    capsys.readouterr()
    assert main(["doctor", "--sim"]) == 0
    assert _lines(capsys.readouterr().out, "ok   runpod rest:") == []

    monkeypatch.setenv("PODWARDEN_RUNPOD_API", "rest")
    assert main(["doctor", "--sim"]) == 0
    out = capsys.readouterr().out
    assert _lines(out, "ok   runpod: simulator: balance $")
    assert _lines(out, "ok   runpod rest: simulator: REST v2 lists ")


def test_doctor_reads_the_rest_url_it_is_given(rest_env: SimServer, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    pods = len(rest_env.sim.world.pods)
    assert _lines(out, f"ok   runpod rest: {rest_env.url}/v2: REST v2 lists {pods} pod(s)")
    assert any(served.path.startswith("/v2/pods") for served in rest_env.sim.requests)


def test_a_dead_rest_url_is_one_line_naming_the_setting_and_fast(
    rest_env: SimServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    dead = f"http://127.0.0.1:{_dead_port()}/v2"
    started = datetime.now(UTC)
    failed, out, err = _doctor_with_rest_url(dead, monkeypatch, capsys)
    assert datetime.now(UTC) - started < timedelta(seconds=5)
    assert failed.startswith(f"FAIL runpod rest: PODWARDEN_RUNPOD_REST_URL={dead}: RunPod: connection failed")
    assert _lines(out, f"ok   runpod: {rest_env.url}/graphql: balance $")  # GraphQL is fine
    assert _lines(out, "FAIL ") == [failed]
    assert KEY not in out + err
    assert err.count("\n") <= 1


def test_a_rest_url_that_is_not_v2_fails_under_its_setting(
    rest_env: SimServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """A base that answers, but not as REST v2 (here the v1 path): RunPod's 404, under the setting."""
    failed, out, _ = _doctor_with_rest_url(f"{rest_env.url}/v1", monkeypatch, capsys)
    assert failed.startswith(f"FAIL runpod rest: PODWARDEN_RUNPOD_REST_URL={rest_env.url}/v1: RunPod: ")
    assert KEY not in out


def test_a_url_with_credentials_is_refused_and_shown_without_them(
    rest_env: SimServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """A base URL never needs user info, which could hold a key: refused, and quoted masked."""
    monkeypatch.setenv("PODWARDEN_RUNPOD_REST_URL", f"http://user:hunter2@127.0.0.1:{_dead_port()}/v2")
    capsys.readouterr()
    assert main(["doctor"]) == 1
    captured = capsys.readouterr()
    [failed] = _lines(captured.out, "FAIL settings: PODWARDEN_RUNPOD_REST_URL: expected a base URL without a user")
    assert "(got 'http://***@127.0.0.1:" in failed
    assert "hunter2" not in captured.out + captured.err


def test_slack_unreachable_is_one_fail_line_with_the_reason() -> None:
    """The same situation `podwarden bot` reports at start, in the same words, with no
    slack_sdk retry noise on stderr."""
    import os
    import subprocess
    import sys

    dead = _dead_port()
    env = {**os.environ, "PODWARDEN_SLACK_API_URL": f"http://127.0.0.1:{dead}/api/",
           "PODWARDEN_SLACK_BOT_TOKEN": "xoxb-1-2-DOCTORSECRET", "PODWARDEN_SLACK_APP_TOKEN": "xapp-1-x"}
    assert main(["migrate"]) == 0
    result = subprocess.run([sys.executable, "-m", "podwarden", "doctor", "--sim"], env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 1
    expected = f"FAIL slack: cannot reach http://127.0.0.1:{dead}/api/: Connection refused"
    assert _lines(result.stdout, "FAIL ") == [expected]
    assert result.stderr == ""
    assert "DOCTORSECRET" not in result.stdout
