"""The individual answer: this patient's own history, fitted, and what follows from it.

* :mod:`~optimizer.individual.history` — dated doses and symptom observations as values.
* :mod:`~optimizer.individual.priors` — the individual parameters and their population priors.
* :mod:`~optimizer.individual.fit` — the MAP fit of the parameters to the history;
  :mod:`~optimizer.individual.posterior` — its uncertainty (Laplace approximations, samples).
* :mod:`~optimizer.individual.probability` — the longest interval controlled in at least a
  given share of the plausible parameter sets (probability of control).
* :mod:`~optimizer.individual.plan` — the dated transition plan from today to that interval.
* :mod:`~optimizer.individual.missed` — late and missed doses: when symptoms return, catch-up.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
