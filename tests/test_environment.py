"""environment.yml (conda) and pyproject.toml (pip) list the same dependencies with the same specifiers."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(data["dependencies"])
    for extra in data.get("optional-dependencies", {}).values():
        reqs += extra
    out = {}
    for r in reqs:
        req = Requirement(r)
        key = req.name.lower() + ("[" + ",".join(sorted(req.extras)) + "]" if req.extras else "")
        out[key] = str(req.specifier)
    return out


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            items = [p for p in dep["pip"] if not p.startswith("-e")]
        else:
            items = [dep]
        for item in items:
            req = Requirement(item)
            if req.name in {"python", "pip"}:
                continue
            key = req.name.lower() + ("[" + ",".join(sorted(req.extras)) + "]" if req.extras else "")
            out[key] = str(req.specifier)
    return out


def test_same_names():
    py, env = _pyproject(), _environment()
    assert sorted(set(py) - set(env)) == [], "in pyproject.toml but not environment.yml"
    assert sorted(set(env) - set(py)) == [], "in environment.yml but not pyproject.toml"


def test_same_specifiers():
    py, env = _pyproject(), _environment()
    diff = {k: (py[k], env[k]) for k in py if k in env and py[k] != env[k]}
    assert diff == {}


def test_constraints_pin_every_dependency():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    for key in _pyproject():
        name = key.split("[")[0].replace("_", "-")
        assert name in pins, f"{name} is not pinned in constraints.txt"
