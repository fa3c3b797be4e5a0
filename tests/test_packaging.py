"""The files a user builds and runs Podwarden from, held to the product (no Docker engine here).

compose.yaml parses and wires what exists; the image's CMD and every command it runs are
verbs of `podwarden --help`; the health check reads only local state; `.env.example`
lists exactly the settings; the locks pin every dependency; the licence is declared.
"""

from __future__ import annotations

import json
import re
import socket
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from podwarden.cli import build_parser, main
from podwarden.settings import Settings, env_example

ROOT = Path(__file__).resolve().parents[1]


def _verbs() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "verb")
    return set(sub.choices or ())  # type: ignore[arg-type]


def _dockerfile_json(instruction: str) -> list[str]:
    """The exec-form argument list of the last `instruction` (CMD, ENTRYPOINT, HEALTHCHECK ... CMD)."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith(instruction + " ")]
    assert lines, f"no {instruction} in the Dockerfile"
    found: list[str] = json.loads(lines[-1][lines[-1].index("["):])
    return found


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def test_the_image_runs_a_verb_that_exists() -> None:
    assert _dockerfile_json("ENTRYPOINT") == ["podwarden"]
    cmd = _dockerfile_json("CMD")
    assert cmd[0] in _verbs()
    assert cmd == ["run"]
    listed = re.findall(r"^    (\w[\w-]*) ", build_parser().format_help(), flags=re.MULTILINE)  # `podwarden --help`
    assert cmd[0] in listed


def test_the_health_check_is_the_local_doctor() -> None:
    health = _dockerfile_json("HEALTHCHECK --interval=60s --timeout=20s --start-period=60s --retries=3 CMD")
    assert health == ["podwarden", "doctor", "--local"]


def test_compose_parses_and_runs_only_verbs_that_exist() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"postgres", "sim", "migrate", "podwarden"}
    for name in ("sim", "migrate", "podwarden"):
        assert services[name]["command"][0] in _verbs(), name
    assert services["sim"]["command"][:3] == ["sim", "--host", "0.0.0.0"]  # reachable from the other containers
    env = services["podwarden"]["environment"]
    assert env["PODWARDEN_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["PODWARDEN_RUNPOD_GRAPHQL_URL"] == "http://sim:8765/graphql"
    assert set(env) <= {f"PODWARDEN_{name.upper()}" for name in Settings.model_fields}
    assert services["podwarden"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_dotenv_example_lists_exactly_the_settings() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert text == env_example(), "regenerate it: see the first lines of .env.example"
    names = re.findall(r"^# (PODWARDEN_[A-Z0-9_]+)=", text, flags=re.MULTILINE)
    assert sorted(names) == sorted(f"PODWARDEN_{name.upper()}" for name in Settings.model_fields)
    assert len(names) == len(set(names))


def test_the_locks_pin_every_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(requirements: list[str]) -> set[str]:
        return {re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}

    def pinned(lock: str) -> dict[str, str]:
        pins = {}
        for line in (ROOT / lock).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                name, sep, ver = line.partition("==")
                assert sep, f"{lock}: {line!r} is not pinned with =="
                pins[name.lower().replace("_", "-").replace(".", "-")] = ver
        return pins

    runtime = pinned("requirements.lock")
    dev = pinned("requirements-dev.lock")
    wanted = names(project["dependencies"]) | names(project["optional-dependencies"]["postgres"])
    assert wanted <= set(runtime), f"run `make lock`: {sorted(wanted - set(runtime))}"
    assert wanted | names(project["optional-dependencies"]["test"]) <= set(dev)
    assert {k: v for k, v in dev.items() if k in runtime} == runtime  # one version of each, everywhere
    assert "--constraint requirements.lock" in (ROOT / "Dockerfile").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^\$\(STAMP\): \$\(INTERP\) pyproject.toml \$\(LOCK\)$", makefile, flags=re.MULTILINE)
    assert "--constraint $(LOCK)" in makefile


def test_python_versions_and_the_licence_are_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11,<3.14"
    assert project["license"] == "Apache-2.0"
    assert "Apache License" in (ROOT / "LICENSE").read_text(encoding="utf-8")[:200]
    assert "Apache-2.0" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_says_how_to_build_and_compose() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docker build -t podwarden:local ." in readme
    assert "docker compose up" in readme


@pytest.mark.usefixtures("podwarden_env")
def test_the_health_check_makes_no_network_call(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With every remote configured, `doctor --local` passes on a migrated ledger with a fresh
    heartbeat and fails on a stale one, and never opens a network connection either way."""
    from podwarden.adapters.sql.ledger import SqlLedger
    from podwarden.doctor import HEARTBEAT_LEASE

    monkeypatch.setenv("PODWARDEN_RUNPOD_API_KEY", "rpa_real_looking")
    monkeypatch.setenv("PODWARDEN_SLACK_BOT_TOKEN", "xoxb-real-looking")
    monkeypatch.setenv("PODWARDEN_SLACK_APP_TOKEN", "xapp-real-looking")
    assert main(["migrate"]) == 0
    capsys.readouterr()

    dialled: list[object] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            dialled.append(address)
            raise OSError("the health check must not reach the network")
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: dialled.append(a) or connect(None, a))  # type: ignore[arg-type]

    assert main(["doctor", "--local"]) == 0
    assert "--   heartbeat: no daemon heartbeat in the ledger yet" in capsys.readouterr().out

    import os

    ledger = SqlLedger.connect(os.environ["PODWARDEN_DATABASE_URL"])
    try:
        stale = datetime.now(UTC) - timedelta(minutes=10)
        assert ledger.acquire_lease(HEARTBEAT_LEASE, "daemon-1", now=stale, ttl=timedelta(minutes=1))
    finally:
        ledger.close()
    assert main(["doctor", "--local"]) == 1
    assert "FAIL heartbeat: the daemon (daemon-1) last beat" in capsys.readouterr().out
    assert dialled == []


@pytest.mark.usefixtures("podwarden_env")
def test_doctor_fails_fast_and_plainly_on_a_dead_port(capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    monkeypatch.setenv("PODWARDEN_RUNPOD_API_KEY", "rpa_x")
    monkeypatch.setenv("PODWARDEN_RUNPOD_GRAPHQL_URL", f"http://127.0.0.1:{port}/graphql")
    main(["migrate"])
    capsys.readouterr()
    started = datetime.now(UTC)
    assert main(["doctor"]) == 1
    assert datetime.now(UTC) - started < timedelta(seconds=5)
    captured = capsys.readouterr()
    runpod = [line for line in captured.out.splitlines() if line.startswith("FAIL runpod:")]
    assert len(runpod) == 1
    assert captured.err.count("\n") <= 1


@pytest.mark.usefixtures("podwarden_env")
def test_doctor_names_a_missing_sqlite_directory_and_migrate_makes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'place' / 'ledger.db'}"
    monkeypatch.setenv("PODWARDEN_DATABASE_URL", url)
    assert main(["doctor", "--local"]) == 1
    out = capsys.readouterr().out
    assert f"the directory {tmp_path / 'new' / 'place'} does not exist yet; `podwarden migrate` creates it" in out
    assert main(["migrate"]) == 0
    assert (tmp_path / "new" / "place" / "ledger.db").exists()


@pytest.mark.usefixtures("podwarden_env")
def test_migrate_refuses_an_in_memory_ledger(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--database-url", "sqlite://"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("podwarden: --database-url: an in-memory SQLite ledger loses everything")
    assert err.count("\n") == 1


@pytest.mark.usefixtures("podwarden_env")
@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_sim_refuses_a_port_that_cannot_be(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["sim", "--port", port])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "expected a port number 0-65535" in err
    assert "Traceback" not in err


def test_the_json_shape_is_documented_key_by_key() -> None:
    """docs/json.md names every key `ask --json` prints for quote, size and gpus (nested too)."""
    from decimal import Decimal

    from podwarden.adapters.slack import render_costs
    from podwarden.domain.catalog import GpuList
    from podwarden.domain.models import Cloud
    from podwarden.domain.quote_results import QuoteAnswer
    from podwarden.domain.quotes import QuoteRequest, quote
    from podwarden.domain.sizing import size_model
    from tests.unit.gpu_catalog import BOOK, CATALOG, SIM_SOURCE

    a100 = next(g for g in CATALOG if g.id == "NVIDIA A100 80GB PCIe")
    q = quote(QuoteRequest(gpu=a100, hours_per_day=8, volume_gb=100), BOOK, price_source=SIM_SOURCE)
    answers = [
        json.loads(render_costs.quote(QuoteAnswer(quote=q, note="")).json()),
        json.loads(render_costs.size(size_model(Decimal(70), "int4", catalog=CATALOG)).json()),
        json.loads(render_costs.gpus(GpuList(cloud=Cloud.ALL, min_vram_gb=0, gpus=(a100,), price_source="x")).json()),
    ]
    doc = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")

    def keys(value: object) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    missing = sorted(k for answer in answers for k in keys(answer) if f'"{k}"' not in doc)
    assert missing == []


def test_the_build_context_leaves_secrets_and_clutter_out() -> None:
    """.dockerignore lets in exactly what the Dockerfile copies: a .env with tokens stays out."""
    ignore = [line for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
              if line and not line.startswith("#")]
    assert ignore[0] == "*"
    allowed = {line.removeprefix("!").rstrip("/") for line in ignore if line.startswith("!")}
    copied = set()
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            copied.update(part.rstrip("/").removeprefix("./") for part in line.split()[1:-1])
    assert copied == allowed
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
