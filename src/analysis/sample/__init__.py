"""The SYNTHETIC sample province (code 77) and large synthetic dossier files: deterministic from a seed.

``province`` generates the records and calibrates 2023 to the published review; ``units`` lays out its
agencies, districts and communes; ``writers`` and ``xlsx`` write the export formats; ``large`` writes
benchmark-sized dossier files.
"""

from analysis.sample.province import (
    DEFAULT_SEED,
    generate_dossiers,
    generate_sample,
    generate_welfare,
    main,
)

__all__ = ["DEFAULT_SEED", "generate_dossiers", "generate_sample", "generate_welfare", "main"]
