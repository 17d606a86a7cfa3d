"""Shared test helpers: system tools that some tests need (skip locally, fail in CI)."""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRE_ALL = os.environ.get("ANALYSIS_REQUIRE_ALL") == "1" or os.environ.get("CI") == "true"


def require_tool(name: str, why: str) -> str:
    """Return the path of executable ``name``; skip the test when absent (fail in CI, where it must exist)."""
    path = shutil.which(name)
    if path is None:
        msg = f"{name} not installed ({why}); `.ci/run` installs it (apt-get)"
        if REQUIRE_ALL:
            pytest.fail(msg + " — required in CI")
        pytest.skip(msg)
    return path


@pytest.fixture(autouse=True, scope="session")
def _cache_outside_the_project(tmp_path_factory):
    """Keep the dossier conversion cache of the tests out of the project's data/processed."""
    from analysis import paths

    saved = paths.PROCESSED_DIR
    paths.PROCESSED_DIR = tmp_path_factory.mktemp("processed")
    yield
    paths.PROCESSED_DIR = saved
