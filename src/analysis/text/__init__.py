"""Words of the figures and pages: labels and number formats (vi/en), findings sentences, reading tables."""

from analysis.text import labels_figures  # noqa: F401 - registers the figure words in LABELS
from analysis.text.labels import *  # noqa: F403
from analysis.text.labels import __all__  # noqa: F401
