"""Finding the Alembic scripts: the installed `migrations` folder, located but never imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from podwarden.adapters.sql import migrate
from podwarden.errors import LedgerError

FIND_WITHOUT_IMPORTING = """
import sys
from podwarden.adapters.sql import migrate
folder = migrate.migrations_dir()
migrate.head_revision()
print(folder)
print("migrations" in sys.modules)
"""


def test_the_scripts_are_found_from_elsewhere_without_importing_the_package(tmp_path: Path) -> None:
    """In a fresh interpreter, from a directory with no `migrations` of its own: the installed
    package's folder is found and read, and `migrations/__init__.py` never runs."""
    done = subprocess.run([sys.executable, "-c", FIND_WITHOUT_IMPORTING], cwd=tmp_path,
                          capture_output=True, text=True, check=True, timeout=120)
    folder, imported = done.stdout.split()
    assert Path(folder) == migrate.migrations_dir()
    assert (Path(folder) / "env.py").is_file()
    assert imported == "False"


def test_another_projects_migrations_package_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    shadow = tmp_path / "migrations"
    shadow.mkdir()
    (shadow / "__init__.py").write_text('"""Django-style migrations of some other project."""\n', encoding="utf-8")
    monkeypatch.delitem(sys.modules, "migrations", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))

    with pytest.raises(LedgerError, match=r"found only .*migrations, without env\.py and versions/"):
        migrate.migrations_dir()


def test_a_missing_package_is_a_ledger_error() -> None:
    with pytest.raises(LedgerError, match=r"the `podwarden_no_such_scripts` package\) are not found; reinstall"):
        migrate.migrations_dir("podwarden_no_such_scripts")
