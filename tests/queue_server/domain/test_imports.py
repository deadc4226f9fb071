"""The domain is plain Python: it imports only the standard library and itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import queue_server.domain

DOMAIN_DIR = Path(queue_server.domain.__file__).parent
DOMAIN_FILES = sorted(DOMAIN_DIR.glob("*.py"))


def _imported_modules(path: Path) -> list[str]:
    """Absolute module names imported by `path` (relative imports resolved inside the domain)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names.append("queue_server.domain" + (f".{node.module}" if node.module else ""))
            elif node.module is not None:
                names.append(node.module)
    return names


def _is_allowed(module: str) -> bool:
    top = module.partition(".")[0]
    if top == "queue_server":
        return module == "queue_server.domain" or module.startswith("queue_server.domain.")
    return top in sys.stdlib_module_names or top == "__future__"


def test_domain_has_the_expected_modules():
    """The scan sees the domain's modules, so an empty glob cannot pass silently."""
    names = {path.stem for path in DOMAIN_FILES}
    assert {"model", "order", "estimate", "numbering", "errors"} <= names


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda p: p.name)
def test_domain_module_imports_only_stdlib_and_domain(path):
    """Each domain module imports nothing but the standard library and queue_server.domain."""
    imports = _imported_modules(path)
    assert [m for m in imports if not _is_allowed(m)] == []


def test_import_rule_rejects_project_and_third_party_modules():
    """The check itself refuses the rest of the project and third-party libraries."""
    for module in ["queue_server.storage.db", "queue_protocol", "sqlalchemy.orm", "pydantic"]:
        assert not _is_allowed(module)
    for module in ["datetime", "collections.abc", "queue_server.domain.model", "zoneinfo"]:
        assert _is_allowed(module)


def test_importing_the_domain_loads_no_third_party_module():
    """In a fresh interpreter, importing every domain module loads nothing from site-packages."""
    modules = ", ".join(f"queue_server.domain.{path.stem}" for path in DOMAIN_FILES)
    probe = (
        "import sys\n"
        "before = set(sys.modules)\n"
        f"import {modules}\n"
        "for name in sorted(set(sys.modules) - before):\n"
        "    where = getattr(sys.modules[name], '__file__', None) or ''\n"
        "    third_party = 'site-packages' in where or 'dist-packages' in where\n"
        "    if third_party and not name.startswith('queue_server'):\n"
        "        print(name)\n"
    )
    project_root = DOMAIN_DIR.parent.parent
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=project_root,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.split() == []
