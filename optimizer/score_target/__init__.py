"""The score-target recommendation: the longest interval, then the smallest dose, that keeps
the typical patient's predicted symptom score at or below a threshold at steady state.

* :mod:`~optimizer.score_target.interval_search` — exposures of every candidate (numpy) ->
  the interval choice (:mod:`optimizer.solve`) -> a checked
  :class:`~optimizer.core.results.Recommendation`, with the late-dose tolerance.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
