"""`--sim` never writes into the ledger a real account uses: it gets a throwaway one,
unless a ledger is named explicitly (PODWARDEN_DATABASE_URL)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from podwarden import bootstrap
from podwarden.cli import main


def test_sim_commands_leave_the_default_ledger_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    for name in list(os.environ):
        if name.startswith("PODWARDEN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("PODWARDEN_ADMINS", "U0ADMIN")
    default = tmp_path / "data" / "podwarden" / "podwarden.db"

    assert main(["ask", "--sim", "--as", "U0ADMIN", "budget set global 50/day --hard"]) == 0
    assert "$50.00" in capsys.readouterr().out
    assert main(["ask", "--sim", "--as", "U0ADMIN", "budget"]) == 0
    assert "$50.00" not in capsys.readouterr().out  # each --sim run starts from an empty ledger
    assert not default.exists()


def test_a_ledger_named_explicitly_is_used_with_sim(podwarden_env: Path) -> None:
    with bootstrap.build(bootstrap.settings(), sim=True) as services:
        assert services.settings.database_url == f"sqlite:///{podwarden_env}"
    assert podwarden_env.exists()


def test_the_throwaway_ledger_is_removed_on_close(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PODWARDEN_DATABASE_URL", raising=False)
    with bootstrap.build(bootstrap.settings(), sim=True) as services:
        path = Path(services.settings.database_url.removeprefix("sqlite:///"))
        assert path.exists()
    assert not path.exists()
