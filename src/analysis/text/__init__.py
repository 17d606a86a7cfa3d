"""Words of the figures and pages: labels and number formats (vi/en), findings sentences, reading tables."""

from analysis.text.labels import *  # noqa: F403
from analysis.text.labels import __all__  # noqa: F401
