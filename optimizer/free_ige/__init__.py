"""The free-IgE target: the omalizumab–IgE binding model and what is built on it.

* :mod:`~optimizer.free_ige.params` — published binding-model parameter sets and one
  patient's own values (weight, baseline IgE).
* :mod:`~optimizer.free_ige.binding` — the binding model: free drug, free IgE and complex over
  a regimen, and its periodic steady state (numpy).
* :mod:`~optimizer.free_ige.target` — the longest interval, then the smallest dose, keeping
  free IgE at or below a target over the steady-state cycle.
* :mod:`~optimizer.free_ige.dosing_grid` — a label-style grid by weight and baseline-IgE band
  (:func:`~optimizer.free_ige.dosing_grid.dosing_grid`).
* :mod:`~optimizer.free_ige.surrogate_check` and :mod:`~optimizer.free_ige.surrogate_fit` —
  how far the PK surrogate is from the binding model, and the surrogate closest to it
  (:func:`~optimizer.free_ige.surrogate_check.surrogate_check`).

The two functions named like their modules are imported from those modules, so that the
package attribute stays the module.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
