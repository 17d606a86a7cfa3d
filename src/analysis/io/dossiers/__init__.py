"""Dossier-level records: column aliases, sources, input checks, aggregation to Counts (DuckDB), cache."""

from analysis.io.dossiers.reader import dossier_ids_for, example_dossiers, read_dossiers

__all__ = ["dossier_ids_for", "example_dossiers", "read_dossiers"]
