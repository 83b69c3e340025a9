"""Plots of the answers as SVG (or PNG) bytes: matplotlib with the Agg backend, no pyplot
state, one figure at a time.

* :mod:`~optimizer.plots.recommendation` — concentration and score over the cycle of a
  recommendation, from the parameters the answer reports.
* :mod:`~optimizer.plots.free_ige` — free IgE over steady-state cycles of a free-IgE answer.
* :mod:`~optimizer.plots.comparison` — cost against control, and score paths, of a comparison.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
