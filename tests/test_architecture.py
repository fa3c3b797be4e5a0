"""The hexagon's walls (docs/layers.md), checked by walking every module's imports and calls.

- `podwarden/domain` imports only the standard library (and itself), so the core stays pure.
- Nothing in `podwarden/` except the command line imports the faces `bot` or `daemon`: the
  command line (`cli.py`, and `cli_*.py` beside it for a verb too big to sit in it) is the
  layer above both faces, where they are composed (`podwarden run`, `podwarden demo`).
- The faces do not import each other: what both need is a service built by `bootstrap`.
- Services import neither adapters, the simulator, bootstrap nor `Settings`, and open no
  files: configuration and file contents reach them as values, from `bootstrap`.
- Adapters import neither services nor `Settings`: bootstrap builds them from plain values.
- `adapters/sql/migrate.py` does not import the top-level `migrations` package.
- `doctor.py` gets its adapters from `bootstrap`, the one composition root.

Imports are read absolute and relative (`from . import x`, `from ..settings import y`), at
any depth in a module. Each rule is also run on a planted violation, so it cannot pass by
checking nothing. Where existing code still crosses a wall, `KNOWN` names it: that list may
only shrink (a test fails when an entry no longer crosses, so it is removed).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "podwarden"

Rule = Callable[[Path, Path], list[str]]  # (module path, repository root) -> what it crosses


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, root: Path = ROOT) -> set[str]:
    """Every module `path` imports, relative imports resolved against its package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                anchor = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            names.add(base)
            if node.module is None:  # `from . import x`: x may itself be a module
                names.update(f"{base}.{alias.name}" for alias in node.names)
    return {n for n in names if n}


def reads_files(path: Path) -> list[str]:
    """Calls that open or read files: open(), Path.read_text/read_bytes/open/write_*, importlib.resources."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open":
            found.append(f"open() at line {node.lineno}")
        elif isinstance(func, ast.Attribute) and func.attr in {
            "read_text", "read_bytes", "write_text", "write_bytes", "open", "files",
        }:
            found.append(f".{func.attr}() at line {node.lineno}")
    return found


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _crossing(names: Iterable[str], *prefixes: str) -> list[str]:
    return sorted(n for n in names if any(n == p or n.startswith(p + ".") for p in prefixes))


# -- the rules ---------------------------------------------------------------------------------


def domain_is_pure(path: Path, root: Path) -> list[str]:
    return sorted(n for n in imports(path, root)
                  if not n.startswith("podwarden.domain") and n.split(".")[0] not in sys.stdlib_module_names)


def is_the_command_line(path: Path, root: Path) -> bool:
    """`podwarden/cli.py` and `podwarden/cli_*.py`: the layer above both faces, which composes them."""
    return path.parent == root / "podwarden" and (path.name == "cli.py" or path.name.startswith("cli_"))


def only_the_cli_imports_faces(path: Path, root: Path) -> list[str]:
    if is_the_command_line(path, root):
        return []
    return _crossing(imports(path, root), "bot", "daemon")


def services_take_values(path: Path, root: Path) -> list[str]:
    crossed = _crossing(imports(path, root), "podwarden.adapters", "podwarden.sim", "podwarden.bootstrap",
                        "podwarden.settings")
    return crossed + reads_files(path)


def adapters_take_values(path: Path, root: Path) -> list[str]:
    return _crossing(imports(path, root), "podwarden.services", "podwarden.settings")


def migrate_does_not_import_the_migrations_package(path: Path, root: Path) -> list[str]:
    return _crossing(imports(path, root), "migrations")


def doctor_builds_through_bootstrap(path: Path, root: Path) -> list[str]:
    """doctor may ask the migration helpers for revisions; every adapter it uses comes from bootstrap."""
    allowed = {"podwarden.adapters.sql.migrate"}
    return [n for n in _crossing(imports(path, root), "podwarden.adapters", "slack_sdk", "httpx", "sqlalchemy.engine")
            if n not in allowed and not n.startswith("slack_sdk.errors") and n != "sqlalchemy.engine"]


def faces_reach_infrastructure_through_bootstrap(path: Path, root: Path) -> list[str]:
    """bot/ and daemon/ reach RunPod, the ledger and the simulator only through `bootstrap`
    (its `Services` and builders): never a RunPod client, an engine or a session of their own.
    Slack is the bot's own surface (bolt, slack_sdk, the Block Kit renderers), and domain
    values are theirs to read."""
    return _crossing(imports(path, root), "podwarden.adapters.sql", "podwarden.adapters.runpod", "podwarden.sim",
                     "sqlalchemy", "httpx", "psycopg")


def faces_do_not_import_each_other(path: Path, root: Path) -> list[str]:
    """The bot and the daemon share services through `bootstrap`'s builders, never each
    other's modules: either face runs alone, and neither drags the other's graph in."""
    other = {"bot": "daemon", "daemon": "bot"}[path.relative_to(root).parts[0]]
    return _crossing(imports(path, root), other)


RULES: dict[str, tuple[Rule, Callable[[Path], list[Path]]]] = {
    "domain_is_pure": (domain_is_pure, lambda root: _modules(root / "podwarden" / "domain")),
    "only_the_cli_imports_faces": (only_the_cli_imports_faces, lambda root: _modules(root / "podwarden")),
    "services_take_values": (services_take_values, lambda root: _modules(root / "podwarden" / "services")),
    "adapters_take_values": (adapters_take_values, lambda root: _modules(root / "podwarden" / "adapters")),
    "migrate_does_not_import_the_migrations_package": (
        migrate_does_not_import_the_migrations_package,
        lambda root: [root / "podwarden" / "adapters" / "sql" / "migrate.py"],
    ),
    "doctor_builds_through_bootstrap": (
        doctor_builds_through_bootstrap, lambda root: [root / "podwarden" / "doctor.py"],
    ),
    "faces_reach_infrastructure_through_bootstrap": (
        faces_reach_infrastructure_through_bootstrap, lambda root: _modules(root / "bot") + _modules(root / "daemon"),
    ),
    "faces_do_not_import_each_other": (
        faces_do_not_import_each_other, lambda root: _modules(root / "bot") + _modules(root / "daemon"),
    ),
}

# Walls still crossed by existing code, by rule and file: known debt, fixed by moving the
# crossing into bootstrap (plain values in, adapters out), or, for a composition of both
# faces, into the command line. Remove an entry when it is fixed.
KNOWN: dict[str, set[str]] = {}


def _violations(rule_name: str, root: Path = ROOT) -> dict[str, list[str]]:
    rule, files = RULES[rule_name]
    found = {}
    for path in files(root):
        if path.exists() and (crossed := rule(path, root)):
            found[path.relative_to(root).as_posix()] = crossed
    return found


@pytest.mark.parametrize("rule_name", sorted(RULES))
def test_no_new_module_crosses_a_wall(rule_name: str) -> None:
    found = _violations(rule_name)
    new = {path: crossed for path, crossed in found.items() if path not in KNOWN.get(rule_name, set())}
    assert new == {}


@pytest.mark.parametrize("rule_name", sorted(RULES))  # every rule, so an empty KNOWN is no skip
def test_known_debt_only_shrinks(rule_name: str) -> None:
    """An entry of KNOWN that no longer crosses the wall must be removed from the list."""
    found = _violations(rule_name)
    assert sorted(KNOWN.get(rule_name, set()) - set(found)) == []


# -- each rule fails on a planted violation ---------------------------------------------------

PLANTED = {
    "domain_is_pure": ("podwarden/domain/bad.py", "from __future__ import annotations\nimport httpx\n"),
    "only_the_cli_imports_faces": ("podwarden/services/bad.py", "from bot import parser\n"),
    "services_take_values": (
        "podwarden/services/bad.py",
        "from ..settings import Settings\n\ndef f(p):\n    return p.read_text()\n",
    ),
    "adapters_take_values": ("podwarden/adapters/slack/bad.py", "from ...services.costs import CostService\n"),
    "migrate_does_not_import_the_migrations_package": (
        "podwarden/adapters/sql/migrate.py", "def f():\n    import migrations\n    return migrations\n",
    ),
    "doctor_builds_through_bootstrap": ("podwarden/doctor.py", "from slack_sdk import WebClient\n"),
    "faces_reach_infrastructure_through_bootstrap": (
        "daemon/bad.py", "def f(url):\n    from sqlalchemy import create_engine\n    return create_engine(url)\n",
    ),
    "faces_do_not_import_each_other": (
        "daemon/bad.py", "def f(services):\n    from bot.verbs import Verbs\n    return Verbs(services)\n",
    ),
}


@pytest.mark.parametrize("rule_name", sorted(RULES))
def test_each_rule_reports_a_planted_violation(rule_name: str, tmp_path: Path) -> None:
    relative, source = PLANTED[rule_name]
    planted = tmp_path / relative
    planted.parent.mkdir(parents=True, exist_ok=True)
    for folder in [planted.parent, *planted.parent.parents]:
        if folder == tmp_path:
            break
        (folder / "__init__.py").touch()
    planted.write_text(source, encoding="utf-8")
    assert list(_violations(rule_name, root=tmp_path)) == [relative]


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    module = tmp_path / "podwarden" / "adapters" / "slack" / "x.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "from . import reply\nfrom .reply import Reply\nfrom ...settings import Settings\nfrom .. import sql\n",
        encoding="utf-8",
    )
    assert imports(module, tmp_path) == {
        "podwarden.adapters.slack", "podwarden.adapters.slack.reply", "podwarden.settings",
        "podwarden.adapters", "podwarden.adapters.sql",
    }


def test_the_bot_importing_the_daemon_is_reported_too(tmp_path: Path) -> None:
    planted = tmp_path / "bot" / "bad.py"
    planted.parent.mkdir()
    (planted.parent / "__init__.py").touch()
    planted.write_text("from daemon import jobs\n", encoding="utf-8")
    assert _violations("faces_do_not_import_each_other", root=tmp_path) == {"bot/bad.py": ["daemon"]}


@pytest.mark.parametrize(("relative", "crosses"), [
    ("podwarden/cli_demo.py", False),  # the command line composes the faces
    ("podwarden/cli.py", False),
    ("podwarden/client.py", True),  # a name starting with "cli" is not the command line
    ("podwarden/services/cli_x.py", True),  # nor a cli_ module below podwarden/
])
def test_only_the_command_line_may_import_both_faces(tmp_path: Path, relative: str, crosses: bool) -> None:
    planted = tmp_path / relative
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text("from bot.console import Console\nfrom daemon import jobs\n", encoding="utf-8")
    found = _violations("only_the_cli_imports_faces", root=tmp_path)
    assert found == ({relative: ["bot.console", "daemon"]} if crosses else {})
