"""The omalizumab labels as data: dosing tables, limits and the checks every answer passes.

Domain package (numpy/stdlib only). Data files in ``optimizer/label/data`` carry their sources."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
