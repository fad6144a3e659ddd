"""Layering: kund.core is the ground every Kund app stands on, so no module of it imports an app — nor any
other part of Kund — when it is loaded. Apps import core, never the other way round; kund.demo, which
imports them all (the seeder, the test factories), stands on top.

Only imports that run when a module is loaded are checked. An import inside a function runs when the
function is called, and may reach an app where that is the function's point: kund.core.views' home
shows the dashboard of kund.dashboard, `kund serve` queues the apps' unfinished background work, and
the admin's record forms ask the customer services. No exception remains at module level, so none is
listed here.
"""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(CORE.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _core_modules() -> dict[str, Path]:
    """Every module of kund.core but its tests."""
    modules = {}
    for path in sorted(CORE.rglob("*.py")):
        inside = path.relative_to(CORE).parts
        if "tests" in inside[:-1] or path.name.startswith("test_") or path.name == "conftest.py":
            continue
        modules[_module_name(path)] = path
    return modules


def loaded_imports(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, module) for every import that runs when `module` is loaded: at its top level, under if
    or try, in a class body — everywhere but inside a function. Relative imports are resolved."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = package.rsplit(".", child.level - 1)[0] if child.level else ""
                source_module = ".".join(part for part in (base, child.module) if part)
                if source_module == "kund":  # `from kund import customers`: the names are Kund's packages
                    found.extend((child.lineno, f"kund.{alias.name}") for alias in child.names)
                else:
                    found.append((child.lineno, source_module))
            else:
                visit(child)

    visit(ast.parse(source))
    return found


def is_outside_core(imported: str) -> bool:
    return imported.startswith("kund.") and not (imported == "kund.core" or imported.startswith("kund.core."))


def test_no_core_module_imports_a_kund_app_when_loaded():
    # given
    modules = _core_modules()
    assert {"kund.core.cli", "kund.core.models", "kund.core.rules"} <= modules.keys()
    assert not any(".tests" in name for name in modules)

    # when
    offending = [
        f"{name}:{line} imports {imported}"
        for name, path in modules.items()
        for line, imported in loaded_imports(path.read_text(), name, path.name == "__init__.py")
        if is_outside_core(imported)
    ]

    # then
    assert offending == [], "kund.core must not import Kund's apps when loaded (see this module's docstring)"


def test_the_check_sees_every_form_of_import_that_runs_on_load():
    # given
    source = """
import os
import kundalini
import kund.customers.models
from kund.sales import models
from kund import billing, core
from .. import crm
from ..audit.models import ChangeRecord
from . import rules
from .db import CUSTOMER_TABLE
from kund.core import rights
from typing import TYPE_CHECKING
try:
    from kund.support.models import SupportTicket
except ImportError:
    pass
if TYPE_CHECKING:
    from kund.privacy import policy


class Helper:
    from kund.service import models as service_models

    def method(self):
        from kund.documents import models


def lazy():
    from kund.demo.seeder import seed_demo


async def lazy_too():
    import kund.customers.selectors
"""

    # when
    imported = loaded_imports(source, "kund.core.example")

    # then
    outside = sorted({name for _line, name in imported if is_outside_core(name)})
    assert outside == [
        "kund.audit.models",
        "kund.billing",
        "kund.crm",
        "kund.customers.models",
        "kund.privacy",
        "kund.sales",
        "kund.service",
        "kund.support.models",
    ]
    names = {name for _line, name in imported}
    assert {"kund.core", "kund.core.db", "os", "kundalini", "typing"} <= names
