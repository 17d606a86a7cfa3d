"""Dossier-level records: column aliases, sources, input checks, aggregation to Counts (DuckDB), cache."""

from analysis.io.dossiers.reader import read_dossiers

__all__ = ["read_dossiers"]
