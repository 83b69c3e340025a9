"""The solver side: the choices HiGHS makes, as arrays on the request path and as Pyomo models
that state the same questions in small named steps.

* :mod:`~optimizer.solve.choice` — the interval choice: the most preferred candidate whose
  margin is non-negative (only the columns that can matter reach HiGHS);
  :mod:`~optimizer.solve.interval_model` — the same question as a Pyomo model.
* :mod:`~optimizer.solve.chance` — the choice under a probability of control;
  :mod:`~optimizer.solve.chance_model` — its Pyomo model.
* :mod:`~optimizer.solve.plan_program` — the transition plan's rows (one binary per clinic
  slot); :mod:`~optimizer.solve.plan_model` — its Pyomo model.
* :mod:`~optimizer.solve.highs` — the only module that talks to HiGHS: highspy directly for
  arrays, Pyomo's interface (under a process-wide lock) for models; the termination status is
  checked before any solution is read.

Models receive numbers (margins, control tables) computed with numpy by the capability
packages above; nothing here evaluates the PK or the score.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
