"""Analysis of Vietnamese administrative-reform indicators as proportions (numerator / denominator).

Modules: ``paths`` (project folders), ``schemas`` (the Counts table), ``indicators`` (registry),
``io`` (readers of real exports), ``stats`` (intervals, tests, trends), ``plots`` and ``figures``
(figures and their manifest), ``params`` and ``run`` (parameterised notebooks), ``sample``
(the synthetic sample province).
"""

__version__ = "0.1.0"
