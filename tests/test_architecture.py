"""The import contracts in pyproject.toml ([tool.importlinter]) hold: the service graph drawn in the
README's Architecture section is one-way, the domain imports no infrastructure, workflows no infra or API."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("domain", "workflows", "activities", "api", "workers", "infra")


def lint_imports(cwd: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """Run import-linter's `lint-imports` (from this interpreter's environment) on `cwd`'s pyproject.toml."""
    script = Path(sys.executable).with_name("lint-imports")
    args = [str(script), "--no-cache", "--no-logo", *(f"--contract={c}" for c in contracts)]
    # The packages are imported from `cwd` first, so a copy is linted instead of the installed tree.
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_code_keeps_the_import_contracts() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, f"An import breaks a contract in pyproject.toml:\n{result.stdout}{result.stderr}"
    assert "0 broken" in result.stdout


def test_an_import_against_the_graph_is_reported(tmp_path: Path) -> None:
    # A copy of the tree where the movies service asks the showtimes service again (the old cycle).
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    service = tmp_path / "domain" / "movies" / "service.py"
    service.write_text(service.read_text() + "\nfrom domain.showtimes import service as showtimes_service  # noqa\n")

    result = lint_imports(tmp_path, "services")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "domain.movies.service -> domain.showtimes.service" in result.stdout, result.stdout
