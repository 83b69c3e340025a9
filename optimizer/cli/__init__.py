"""The ``doseopt`` command line (typer): each command parses its options, calls a service and
prints the answer (a rich table, or JSON with ``--json``).

* :mod:`~optimizer.cli.main` — the application, ``recommend`` and ``serve``; registers the
  commands of the other modules.
* :mod:`~optimizer.cli.batch` — ``batch`` and ``validate``: scenario files in, results out.
* :mod:`~optimizer.cli.compare` — ``compare``: schedules side by side.
* :mod:`~optimizer.cli.free_ige` — ``ige-table`` and ``surrogate-check``.
* :mod:`~optimizer.cli.plan` — ``plan``: the dated transition plan.
* :mod:`~optimizer.cli.label` — ``label-dose``: the label's dose for a patient.
* :mod:`~optimizer.cli.history` — ``history export``: a history as a NONMEM-style dataset.
* :mod:`~optimizer.cli.output` — terminal output shared by the commands: plain messages (no
  markup), tables that never cut a figure, the one error helper.

The entry point is :func:`optimizer.cli.main.main`; this package imports no module, so that
``python -m optimizer.cli.main`` runs the application once. ``__all__`` names the modules.
"""

__all__ = ["batch", "compare", "free_ige", "history", "label", "main", "output", "plan"]
