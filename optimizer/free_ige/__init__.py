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

from optimizer.free_ige.binding import (
    CycleProfile,
    complex_nmol,
    simulate_regimen,
    steady_state_cycle,
)
from optimizer.free_ige.dosing_grid import (
    DEFAULT_IGE_EDGES_IU_PER_ML,
    DEFAULT_WEIGHT_EDGES_KG,
    DosingCell,
    DosingGrid,
    cells_csv,
)
from optimizer.free_ige.params import (
    MW_IGE_KDA,
    MW_OMALIZUMAB_KDA,
    NG_PER_ML_PER_IU,
    PARAMETER_SETS,
    BindingParameterSet,
    IgEProduction,
    IndividualBinding,
    ParameterSetName,
    individual_parameters,
)
from optimizer.free_ige.surrogate_check import (
    DEFAULT_PATIENTS,
    PatientComparison,
    Regimen,
    SurrogateCheck,
)
from optimizer.free_ige.surrogate_fit import (
    CurveFit,
    SurrogateFit,
    fit_surrogate,
    fit_surrogate_to_curve,
)
from optimizer.free_ige.target import (
    DEFAULT_INTERVALS_DAYS,
    DEFAULT_MAX_DOSE_MG,
    DEFAULT_TARGET_NG_PER_ML,
    FREE_IGE_ASSUMPTIONS,
    FreeIgECandidate,
    FreeIgEProblem,
    FreeIgERecommendation,
    FreeIgETable,
    decide,
    default_doses_mg,
    evaluate_free_ige,
    evaluate_free_ige_many,
    recommend_free_ige,
)

__all__ = [
    "BindingParameterSet",
    "CurveFit",
    "CycleProfile",
    "DEFAULT_IGE_EDGES_IU_PER_ML",
    "DEFAULT_INTERVALS_DAYS",
    "DEFAULT_MAX_DOSE_MG",
    "DEFAULT_PATIENTS",
    "DEFAULT_TARGET_NG_PER_ML",
    "DEFAULT_WEIGHT_EDGES_KG",
    "DosingCell",
    "DosingGrid",
    "FREE_IGE_ASSUMPTIONS",
    "FreeIgECandidate",
    "FreeIgEProblem",
    "FreeIgERecommendation",
    "FreeIgETable",
    "IgEProduction",
    "IndividualBinding",
    "MW_IGE_KDA",
    "MW_OMALIZUMAB_KDA",
    "NG_PER_ML_PER_IU",
    "PARAMETER_SETS",
    "ParameterSetName",
    "PatientComparison",
    "Regimen",
    "SurrogateCheck",
    "SurrogateFit",
    "cells_csv",
    "complex_nmol",
    "decide",
    "default_doses_mg",
    "evaluate_free_ige",
    "evaluate_free_ige_many",
    "fit_surrogate",
    "fit_surrogate_to_curve",
    "individual_parameters",
    "recommend_free_ige",
    "simulate_regimen",
    "steady_state_cycle",
]
