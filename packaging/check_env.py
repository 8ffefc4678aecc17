"""Fail fast when the build environment does not match pyproject.toml.

A frozen app bundles whatever is installed, so a venv that lags behind a pin (say PySide6 after a
pin change) would ship a different app from the one the tests ran against. Compares every runtime
dependency and the `packaging` extra in pyproject.toml with the installed versions.

Usage: python packaging/check_env.py   (exit 1 with the mismatches listed)
"""

from __future__ import annotations

import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def mismatches() -> list[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    wanted = project["dependencies"] + project.get("optional-dependencies", {}).get("packaging", [])
    problems = []
    for line in wanted:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate():
            continue
        try:
            installed = version(req.name)
        except PackageNotFoundError:
            problems.append(f"{req.name}: not installed (needs {req.specifier or 'any version'})")
            continue
        if req.specifier and not req.specifier.contains(installed, prereleases=True):
            problems.append(f"{req.name}: {installed} installed, pyproject wants {req.specifier}")
    return problems


def main() -> int:
    problems = mismatches()
    for problem in problems:
        print(f"check_env: {problem}", file=sys.stderr)
    if problems:
        print('check_env: the build environment is out of date; run: python -m pip install -e ".[packaging]"',
              file=sys.stderr)
        return 1
    print("check_env: installed packages match pyproject.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
