"""Entry points shared by the HTTP API, the CLI and batches: a schema in, a schema out.

* :mod:`~optimizer.services.recommendation` — :func:`recommend`: one recommendation request,
  sent on to the free-IgE or the individual answer when the request asks for them.
* :mod:`~optimizer.services.individual` — history fit, probability of control, plan and
  missed-dose advice; :mod:`~optimizer.services.individual_frame` — their words, in one frame
  (probabilities or point estimates).
* :mod:`~optimizer.services.free_ige` — the free-IgE answer, the dosing grid, the surrogate
  check.
* :mod:`~optimizer.services.comparison` — schedules side by side (:func:`compare`).
* :mod:`~optimizer.services.parameters` — the ``model`` block every answer carries.
* :mod:`~optimizer.services.wording` — phrases the explanations share.
* :mod:`~optimizer.services.format` — figures in words: field labels, the answer's summary,
  one rounding rule for probabilities and money (terminal, page and report alike).
* :mod:`~optimizer.services.comparison_table` — a comparison for analysts: column meanings,
  incremental figures in words, the CSV file.

The explanations and advice a clinician reads are written here, not in the domain packages.
No logic lives in a route or a command: they call these functions.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
