"""points is the bottom layer and the manual sits below the quizzes: the
imports say so, read from the source (a lazy import inside a function counts
as much as one at the top)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# app → apps it must never import
FORBIDDEN = {
    "points": ("manuals", "quizzes"),
    "manuals": ("quizzes",),
}


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def _offences(app: str, root: Path = ROOT) -> list[str]:
    banned = FORBIDDEN[app]
    found = []
    for path in sorted((root / app).rglob("*.py")):
        for line, module in _imports(path):
            if module.split(".")[0] in banned:
                found.append(f"{path.relative_to(root)}:{line} imports {module}")
    return found


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_no_module_imports_an_app_above_it(app):
    assert _offences(app) == []


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "points" / "late.py"
    module.parent.mkdir()
    module.write_text("def f():\n    from quizzes.models import Attempt\n")
    assert _offences("points", tmp_path) == ["points/late.py:2 imports quizzes.models"]
