"""What a notebook needs: its parameters (declared, typed, validated) and its context (data, scope, figures).

A notebook's second cell is ``P = analysis.notebook.setup(globals(), notebook="…")``.
"""

from analysis.notebook.context import Context, setup

__all__ = ["Context", "setup"]
