"""The individual parameters as values, their log-normal population priors and the
standardised log scale the fit works on.

Each parameter has a prior ``log(theta) ~ N(log(median), log_sd^2)`` and is fitted on
``z = (log theta - log median) / log_sd`` (prior SDs from the median):

* ``ec50_mg_per_l``: median = the request's ``response.ec50_mg_per_l`` (63.7, calibrated to the
  reference case); ``log_sd = 0.5``: modelling choice, a between-patient spread of about 50 %.
* ``baseline_score``: median = ``response.baseline_score`` (8.5, reference case 7-10 before
  therapy); ``log_sd = 0.12``: modelling choice so that the 95 % prior range is about 6.7-10.
  Capped at 10, the top of the scale.
* ``clearance_factor`` (multiplies ``ke = CL / V``, the volume staying at the label's; 1 =
  label): median 1; ``log_sd = 0.215`` (:data:`CLEARANCE_FACTOR_LOG_SD`): the between-patient
  spread of ``log CL - log V`` in the population model of Lowe et al. 2009 (Table 3: omega^2
  CL 0.162, V 0.0901, covariance 0.103 -> sqrt(0.162 + 0.0901 - 2 x 0.103)), the same model as
  the virtual population (:mod:`optimizer.comparison.population`). The label's 2.4 +/- 1.1
  mL/kg/day (log_sd 0.44, the earlier default) mixes covariates and ignores the correlation of
  clearance with volume, and let the fit reach half-lives of 10 days, implausible for an IgG1.
* ``hill`` (steepness of the score-concentration curve): median = the request's
  ``response.hill`` (4, a modelling choice calibrated to the reference case, not a measured
  value); ``log_sd = 0.7``: modelling choice, a 95 % prior range of about 1.0-15.7, from a plain
  hyperbolic response (hill 1) to a nearly switch-like one; wider than EC50's because the
  default steepness itself is not measured. Kept inside ``HILL_RANGE`` (0.5-30). Fitted, like
  the others, whenever there are observations: the prior keeps it near 4 when the data say
  little, and the report's ``sd_ratio`` shows how much they said. Steepness decides how far
  the threshold concentration lies below the concentration at which a patient is observed
  symptom-free, so a fixed value would pass as certainty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from optimizer.core.problem import ResponseParameters
from optimizer.exposure.pk import PKModel
from optimizer.individual.history import MAX_SCORE

__all__ = ["CLEARANCE_FACTOR_LOG_SD", "HILL_RANGE", "NAMES", "ZERO_BELOW_SCORE",
           "IndividualParameters", "LogNormalPrior", "Priors", "default_priors", "params_from_z"]

FloatArray = NDArray[np.float64]
#: Widest range of the standardised scale searched (prior SDs; modelling choice).
Z_BOUND = 6.0
#: The parameters, in the order of the fit's vectors.
NAMES = ("ec50_mg_per_l", "baseline_score", "clearance_factor", "hill")
#: Sane range of the Hill coefficient (modelling choice: from a very shallow curve to one that
#: is nearly a switch); the fit and the samples stay inside it.
HILL_RANGE = (0.5, 30.0)
#: Prior spread of the clearance factor (log scale): Lowe et al. 2009, Table 3 (module doc).
CLEARANCE_FACTOR_LOG_SD = round(math.sqrt(0.162 + 0.0901 - 2 * 0.103), 3)
#: Detection level of a reported score of 0, points (modelling choice: "no symptoms reported"
#: covers latent scores too faint to report; the smallest reported score is 1).
ZERO_BELOW_SCORE = 1.0


@dataclass(frozen=True)
class LogNormalPrior:
    median: float
    log_sd: float
    source: str


@dataclass(frozen=True)
class Priors:
    ec50_mg_per_l: LogNormalPrior
    baseline_score: LogNormalPrior
    clearance_factor: LogNormalPrior
    hill: LogNormalPrior
    fit_baseline: bool = True
    fit_clearance: bool = True
    fit_hill: bool = True
    score_sd: float = 1.0
    symptom_cutoff_score: float = 2.0
    zero_below_score: float = ZERO_BELOW_SCORE

    def get(self, name: str) -> LogNormalPrior:
        prior = getattr(self, name)
        if not isinstance(prior, LogNormalPrior):
            raise KeyError(name)
        return prior

    @property
    def fitted(self) -> tuple[str, ...]:
        on = (True, self.fit_baseline, self.fit_clearance, self.fit_hill)
        return tuple(n for n, flag in zip(NAMES, on, strict=True) if flag)

    def natural_bounds(self, name: str) -> tuple[float, float]:
        """Range of a parameter's value (always holding its prior median)."""
        median = self.get(name).median
        low, high = {"baseline_score": (0.0, MAX_SCORE), "hill": HILL_RANGE}.get(
            name, (0.0, math.inf))
        return min(low, median), max(high, median)

    def z_bounds(self) -> FloatArray:
        """Bounds of the fitted parameters on the standardised log scale, shape (n, 2)."""
        out = np.empty((len(self.fitted), 2))
        for k, name in enumerate(self.fitted):
            p, (low, high) = self.get(name), self.natural_bounds(name)
            out[k, 0] = -Z_BOUND if low <= 0.0 else max(-Z_BOUND,
                                                        math.log(low / p.median) / p.log_sd)
            out[k, 1] = min(Z_BOUND, math.log(high / p.median) / p.log_sd)
        return out


def default_priors(response: ResponseParameters) -> Priors:
    """Population priors centred on the request's response parameters (see module doc)."""
    return Priors(
        ec50_mg_per_l=LogNormalPrior(response.ec50_mg_per_l, 0.5,
                                     "median: calibrated to the reference case; spread: "
                                     "modelling choice (about 50 % between patients)"),
        baseline_score=LogNormalPrior(response.baseline_score, 0.12,
                                      "median: reference case (7-10 before therapy); spread: "
                                      "modelling choice"),
        clearance_factor=LogNormalPrior(1.0, CLEARANCE_FACTOR_LOG_SD,
                                        "Lowe et al. 2009, Table 3: between-patient spread of "
                                        "CL/V (omega^2 CL 0.162, V 0.0901, covariance 0.103)"),
        hill=LogNormalPrior(response.hill, 0.7, "median: the request's response.hill "
                            "(calibrated to the reference case); spread: modelling choice "
                            "(95 % range about 1-16, hyperbolic to switch-like); range 0.5-30"))


@dataclass(frozen=True)
class IndividualParameters:
    """One patient's parameters; ``clearance_factor`` scales the elimination rate ``ke``."""

    ec50_mg_per_l: float
    baseline_score: float
    clearance_factor: float
    hill: float

    def pk_model(self, base: PKModel) -> PKModel:
        return replace(base, ke_per_day=base.ke_per_day * self.clearance_factor)

    def response(self) -> ResponseParameters:
        return ResponseParameters(baseline_score=min(self.baseline_score, MAX_SCORE),
                                  ec50_mg_per_l=self.ec50_mg_per_l, hill=self.hill)

    def threshold_conc_mg_per_l(self, threshold_score: float) -> float:
        """Concentration at which the score equals the threshold (0 if never above it)."""
        s0 = min(self.baseline_score, MAX_SCORE)
        if s0 <= threshold_score:
            return 0.0
        return float(self.ec50_mg_per_l * (s0 / threshold_score - 1.0) ** (1.0 / self.hill))


def params_from_z(priors: Priors, z: FloatArray) -> IndividualParameters:
    """The parameters at a point ``z`` of the standardised scale (unfitted ones at their
    prior median)."""
    values = {n: priors.get(n).median for n in NAMES}
    for k, name in enumerate(priors.fitted):
        p = priors.get(name)
        values[name] = p.median * math.exp(p.log_sd * float(z[k]))
    return IndividualParameters(**values)
