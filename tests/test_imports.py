"""The import contracts (scripts/check-imports): no cycles, layers as DESIGN section 2 draws them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"


def _lint(*args: str, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [str(LINT), "--no-cache", *args],
        cwd=ROOT,  # lint-imports puts the working directory on sys.path: scripts.import_contracts
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_package_keeps_every_import_contract() -> None:
    done = subprocess.run(
        [str(ROOT / "scripts" / "check-imports")],
        env={**os.environ, "PATH": f"{LINT.parent}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BROKEN" not in done.stdout and "Contracts: 3 kept, 0 broken." in done.stdout


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    package = tmp_path / "cyclepkg"
    package.mkdir()
    for name, text in {"__init__.py": "", **files}.items():
        (package / name).write_text(text)
    (tmp_path / "contracts.toml").write_text(
        "[tool.importlinter]\n"
        'root_package = "cyclepkg"\n'
        "exclude_type_checking_imports = false\n"
        'contract_types = ["acyclic_modules: scripts.import_contracts.ModuleCyclesContract"]\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "cycles"\n'
        'type = "acyclic_modules"\n'
        'containers = ["cyclepkg"]\n'
    )
    return tmp_path / "contracts.toml"


def test_a_cycle_through_type_checking_and_function_imports_breaks_the_contract(
    tmp_path: Path,
) -> None:
    # Neither import runs at import time, so Python never notices; the contract must.
    config = _package(
        tmp_path,
        {
            "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cyclepkg import b\n",
            "b.py": "def later():\n    from cyclepkg import c\n",
            "c.py": "import cyclepkg.a\n",
            "d.py": "import cyclepkg.a\n",  # imports into the cycle, is not part of it
        },
    )
    done = _lint("--config", str(config), pythonpath=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Import cycle between 3 modules" in done.stdout
    for step in (
        "cyclepkg.a -> cyclepkg.b",
        "cyclepkg.b -> cyclepkg.c",
        "cyclepkg.c -> cyclepkg.a",
    ):
        assert step in done.stdout
    assert "cyclepkg.d" not in done.stdout


def test_one_way_imports_keep_the_contract(tmp_path: Path) -> None:
    config = _package(
        tmp_path,
        {
            "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cyclepkg import b\n",
            "b.py": "def later():\n    from cyclepkg import c\n",
            "c.py": "",
        },
    )
    done = _lint("--config", str(config), pythonpath=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 1 kept, 0 broken." in done.stdout


def test_rooms_that_lean_on_each_other_break_the_siblings_contract(tmp_path: Path) -> None:
    # The repository's own siblings contract, pointed at a package whose two rooms import each
    # other although no module imports itself back (and neither import runs at import time).
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = (
        c for c in settings["tool"]["importlinter"]["contracts"] if c["type"] == "acyclic_siblings"
    )
    ancestors = [a.replace("hmsdesk_graph", "cyclepkg") for a in contract["ancestors"]]
    files = {
        "__init__.py": "",
        "a/__init__.py": "",
        "a/one.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import cyclepkg.b.two\n",
        "a/four.py": "",
        "b/__init__.py": "",
        "b/two.py": "",
        "b/three.py": "def later():\n    import cyclepkg.a.four\n",
    }
    for name, text in files.items():
        (tmp_path / "cyclepkg" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "cyclepkg" / name).write_text(text)
    config = tmp_path / "contracts.toml"
    config.write_text(
        "[tool.importlinter]\n"
        'root_package = "cyclepkg"\n'
        "exclude_type_checking_imports = false\n"
        "[[tool.importlinter.contracts]]\n"
        'name = "rooms"\n'
        'type = "acyclic_siblings"\n'
        f"ancestors = {json.dumps(ancestors)}\n"  # a TOML array of strings is JSON
    )
    done = _lint("--config", str(config), pythonpath=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "No cycles are allowed in cyclepkg." in done.stdout
