"""Command line ``analysis``: dispatches to the sub-commands of the package's modules."""

from __future__ import annotations

import argparse
import sys

SUBCOMMANDS = {
    "sample": ("analysis.sample", "Write the synthetic sample province (or a large dossier file)."),
    "run": ("analysis.run", "Run the notebook matrix for a year and build the reviewer site."),
    "params": ("analysis.notebook.params", "Print a notebook's parameters with types, defaults and help."),
    "counts": ("analysis.io", "Read every export in a folder and print or write the Counts table."),
}


def main(argv: list[str] | None = None) -> int:
    """Run the ``analysis`` command line; return the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="analysis",
        description="Indicator analysis toolkit (dossier timeliness, online payment, welfare payouts).",
    )
    parser.add_argument("command", choices=sorted(SUBCOMMANDS), help="sub-command")
    if not argv or argv[0] in {"-h", "--help"}:
        parser.print_help()
        print("\nsub-commands:")
        for name, (_, text) in sorted(SUBCOMMANDS.items()):
            print(f"  {name:8s} {text}")
        return 0 if argv else 2
    if argv[0] not in SUBCOMMANDS:
        parser.error(f"unknown command {argv[0]!r}; choose from {', '.join(sorted(SUBCOMMANDS))}")
    import importlib

    module = importlib.import_module(SUBCOMMANDS[argv[0]][0])
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
