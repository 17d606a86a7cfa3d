"""Dossier-level records (placeholder until the dossier reader lands)."""


def read_dossiers(path_or_glob, **kwargs):  # pragma: no cover - placeholder
    """Read dossier records to Counts (not yet implemented)."""
    raise NotImplementedError("read_dossiers is being written")
