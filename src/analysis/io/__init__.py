"""Readers of the exports an analyst has; each returns a validated Counts table (see docs/DATA_FORMATS.md)."""

from analysis.io.bieu06 import read_bieu06
from analysis.io.dossiers import read_dossiers
from analysis.io.errors import InputError

__all__ = ["InputError", "read_bieu06", "read_dossiers"]
