"""The hexagon's import rules, checked by walking every module's imports.

- `podwarden/domain` imports only the standard library (and itself), so the core stays pure.
- Nothing in `podwarden/` except `cli.py` imports the faces `bot` or `daemon`.
- Only `podwarden/bootstrap.py` (and the CLI and the faces) builds adapters: services never
  import `podwarden.adapters`.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "podwarden"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def test_domain_imports_only_the_standard_library() -> None:
    offenders = []
    for path in _modules(PACKAGE / "domain"):
        for name in _imports(path):
            top = name.split(".")[0]
            if name.startswith("podwarden.domain") or top == "__future__":
                continue
            if top not in sys.stdlib_module_names:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_only_the_cli_imports_the_faces() -> None:
    offenders = []
    for path in _modules(PACKAGE):
        if path == PACKAGE / "cli.py":
            continue
        for name in _imports(path):
            if name.split(".")[0] in {"bot", "daemon"}:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_services_do_not_import_adapters() -> None:
    offenders = []
    for path in _modules(PACKAGE / "services"):
        for name in _imports(path):
            if name.startswith(("podwarden.adapters", "podwarden.sim", "podwarden.bootstrap")):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_the_walker_sees_a_violation(tmp_path: Path) -> None:
    """The rule above cannot pass vacuously: a module importing httpx is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("import httpx\nfrom podwarden.domain import money\n", encoding="utf-8")
    assert _imports(bad) == {"httpx", "podwarden.domain"}
    assert "httpx" not in sys.stdlib_module_names
