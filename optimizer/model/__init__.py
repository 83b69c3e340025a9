"""The Pyomo formulations. Numbers in (computed in numpy), choices out."""

from optimizer.model.build import IntervalModelData, build_interval_model

__all__ = ["IntervalModelData", "build_interval_model"]
