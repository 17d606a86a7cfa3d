"""The ``analysis run`` machinery, by responsibility.

``spec`` (runs.yaml, the command line, validation before any kernel: :func:`~analysis.runner.spec.plan`),
``lock`` (one run at a time per output folder), ``release`` (the year's set built in a staging folder and
published in one step), ``fingerprint`` (unchanged notebook × unit runs are skipped), ``execute`` (worker
processes, warm kernels, papermill, a quiet console), ``revisions`` (earlier years' values that moved since
they were published) and ``console`` (progress lines and the summary).  ``analysis.run`` is the command.
"""
