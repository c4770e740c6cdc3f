"""The demo app stays a development tool: production code never imports it."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent
# Development-only code and the code that checks or measures it may use the demo.
MAY_IMPORT_DEMO = {"demo", "esia_standin", "devstack", "tests", "bench"}


def _imports_demo(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import) and any(a.name == "demo" or a.name.startswith("demo.") for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "demo" or node.module.startswith("demo."):
                return True
    return False


def _production_sources() -> list[Path]:
    sources = list(ROOT.glob("*.py"))
    for top in ROOT.iterdir():
        if top.is_dir() and not top.name.startswith(".") and top.name not in MAY_IMPORT_DEMO:
            sources.extend(top.rglob("*.py"))
    return sources


def test_no_production_module_imports_the_demo():
    sources = _production_sources()
    offenders = [str(path.relative_to(ROOT)) for path in sources if _imports_demo(path)]
    assert any(path.parts[-2:] == ("certificates", "services.py") for path in sources)  # the scan sees the apps
    assert offenders == []


def test_development_settings_install_the_demo():
    assert "demo" in settings.INSTALLED_APPS
