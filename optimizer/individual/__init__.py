"""The individual answer: this patient's own history, fitted, and what follows from it.

* :mod:`~optimizer.individual.history` — dated doses and symptom observations as values.
* :mod:`~optimizer.individual.priors` — the individual parameters and their population priors.
* :mod:`~optimizer.individual.fit` — the MAP fit of the parameters to the history
  (:mod:`~optimizer.individual.likelihood` — its per-observation arithmetic);
  :mod:`~optimizer.individual.posterior` — its optima and Laplace approximations;
  :mod:`~optimizer.individual.sampling` — posterior samples (importance sampling, PSIS).
* :mod:`~optimizer.individual.probability` — the longest interval controlled in at least a
  given share of the plausible parameter sets (probability of control).
* :mod:`~optimizer.individual.plan` — the dated transition plan from today to that interval;
  :mod:`~optimizer.individual.plan_reach` — whether the clinic days can hold that interval.
* :mod:`~optimizer.individual.missed` — late and missed doses: when symptoms return, catch-up;
  :mod:`~optimizer.individual.tolerance` — how late a dose may be, across the posterior.
* :mod:`~optimizer.individual.band` — the posterior band of the predicted score.
* :mod:`~optimizer.individual.sensitivity` — how far an answer moves under modelling choices.
* :mod:`~optimizer.individual.calibration` — simulation-based calibration of the probability
  of control.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
