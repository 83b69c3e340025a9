"""Schedules side by side for one patient, and across virtual patients.

* :mod:`~optimizer.comparison.schedules` — doses, concentration and score of each schedule
  over a horizon, days above the threshold (exact on a whole-day grid).
* :mod:`~optimizer.comparison.costs` — syringes per dose, drug and visit costs by price list.
* :mod:`~optimizer.comparison.population` — virtual patients: the share controlled on each
  schedule and the cost of control.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
