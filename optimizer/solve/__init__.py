"""The solver side: Pyomo models built in small named steps, and the HiGHS runs.

* :mod:`~optimizer.solve.interval_model` — the interval choice (one binary per candidate).
* :mod:`~optimizer.solve.chance_model` — the same choice under a probability of control.
* :mod:`~optimizer.solve.plan_model` — the transition plan (one binary per clinic slot).
* :mod:`~optimizer.solve.highs` — the only module that talks to HiGHS: runs a model, checks
  its termination status, serialises Pyomo work per process (Pyomo is not thread-safe).

Models receive numbers (margins, control tables) computed with numpy by the capability
packages above; nothing here evaluates the PK or the score.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
