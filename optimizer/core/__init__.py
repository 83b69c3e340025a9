"""Value types every other package shares: the question, the regimen, the typed outcome.

* :mod:`~optimizer.core.problem` — the question asked: patient, PK and response parameters,
  threshold, dose and interval options (frozen dataclasses, checked on creation).
* :mod:`~optimizer.core.regimen` — dosing schedules as values, with a short text form.
* :mod:`~optimizer.core.results` — solver status, solve outcome, the recommendation.
* :mod:`~optimizer.core.warnings` — the warnings an answer carries (code, message, field).

Standard library and numpy only; imports nothing else from the project but
:mod:`optimizer.errors`.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
