"""Exposure: what a regimen does to the concentration, and the concentration to the score.

* :mod:`~optimizer.exposure.pk` — the PK surrogate (one compartment, first-order absorption,
  linear elimination): single doses, series, steady state and its trough (numpy only).
* :mod:`~optimizer.exposure.symptoms` — the symptom score of a concentration (inhibitory
  sigmoid Emax) and the concentration that reaches a threshold score.

numpy only: the solver receives numbers computed here, never the exponentials.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
