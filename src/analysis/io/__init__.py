"""Readers of the exports an analyst has; each returns a validated Counts table (see docs/DATA_FORMATS.md)."""

from analysis.io.errors import InputError
from analysis.io.dossiers import read_dossiers

__all__ = ["InputError", "read_dossiers"]
