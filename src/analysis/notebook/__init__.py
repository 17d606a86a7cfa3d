"""What a notebook needs: its parameters (declared, typed, validated) and its context (data, scope, figures).

A notebook's second cell is ``P = analysis.notebook.setup(globals(), notebook="…")``.  ``Context`` and
``setup`` are imported on first use, so ``analysis run`` can use :mod:`analysis.notebook.params` and
:mod:`analysis.notebook.outputs` without loading the readers.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Context", "setup"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from analysis.notebook import context

        return getattr(context, name)
    raise AttributeError(f"module 'analysis.notebook' has no attribute {name!r}")
