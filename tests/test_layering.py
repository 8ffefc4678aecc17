"""The core must stay usable without a display: nothing under merchant_ai/ may import Qt."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "merchant_ai"
FORBIDDEN = ("PySide6", "pyqtgraph", "shiboken6", "ui")


def test_core_never_imports_qt():
    offenders = []
    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in FORBIDDEN:
                    offenders.append(f"{path.relative_to(CORE.parent)}:{node.lineno} imports {name}")
    assert not offenders, "\n".join(offenders)
