"""Published parameters of the omalizumab–IgE binding model, and a patient's own values.

Two parameter sets, both with apparent (``/F``) clearances and volumes and power covariates
``P = P_ref * (covariate / reference) ** exponent``:

``hayashi2007`` (default)
    Hayashi N, Tsukamoto Y, Sallas WM, Lowe PJ. A mechanism-based binding model for the
    population pharmacokinetics and pharmacodynamics of omalizumab. *Br J Clin Pharmacol*
    2007;63:548-561, table 3 (202 Japanese patients, weight 42-101 kg, baseline IgE
    53-2143 ng/mL). Omalizumab clearance 7.32 mL/h, complex clearance 5.86 mL/h *above* it,
    IgE clearance 71.0 mL/h, volume of omalizumab and IgE 5900 mL, of the complex 3630 mL, IgE
    production 30.3 µg/h, ka 0.0200 /h, KD 1.07 nM. Weight (reference 61.1 kg) on omalizumab
    clearance (0.911) and volume (0.658); baseline IgE (reference 482.4 ng/mL) on IgE
    clearance (-0.281) and production (0.657); KD rises with the total drug : total IgE molar
    ratio, exponent 0.157.
``lowe2009``
    Lowe PJ, Tannenbaum S, Gautier A, Jimenez P. Relationship between omalizumab
    pharmacokinetics, IgE pharmacodynamics and symptoms in patients with severe persistent
    allergic (IgE-mediated) asthma. *Br J Clin Pharmacol* 2009;68:61-76, table 3 (1,928
    patients, 39-150 kg, 19-1055 IU/mL). Reference 70 kg and 365 ng/mL. The values were taken
    from a public transcription of table 3 and have not been checked against the printed
    table here: treat this set as a second opinion, not as the reference.

Both papers give 1 IU/mL of IgE ≈ 2.42 ng/mL, and molecular weights of 150 kDa (omalizumab)
and 190 kDa (IgE); so 1 nM of omalizumab is 0.15 mg/L and 1 nM of IgE 190 ng/mL.

**IgE production.** With the published covariate model the drug-free steady state of free IgE,
``production / IgE clearance``, is not the patient's measured baseline: for Hayashi it is
427 ng/mL at the 482 ng/mL reference (-12 %). A clinician enters a measured baseline and
expects the untreated model to sit at it, so by default (``ige_production="baseline"``) the
production rate is set to ``IgE clearance x baseline``; ``"published"`` keeps the papers'
covariate model for comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "IgEProduction",
    "IndividualBinding",
    "MW_IGE_KDA",
    "MW_OMALIZUMAB_KDA",
    "NG_PER_ML_PER_IU",
    "PARAMETER_SETS",
    "BindingParameterSet",
    "ParameterSetName",
    "individual_parameters",
]

#: Molecular weights (kDa = ng/nmol): Hayashi 2007, methods.
MW_OMALIZUMAB_KDA = 150.0
MW_IGE_KDA = 190.0
#: 1 IU/mL of IgE in ng/mL (Hayashi 2007; Lowe 2009).
NG_PER_ML_PER_IU = 2.42
_HOURS_PER_DAY = 24.0

FloatArray = NDArray[np.float64]
ParameterSetName = Literal["hayashi2007", "lowe2009"]
IgEProduction = Literal["baseline", "published"]


@dataclass(frozen=True)
class BindingParameterSet:
    """Typical values at the reference weight and baseline IgE; days, litres, nmol, nM."""

    name: str
    citation: str
    ka_per_day: float
    cl_drug_l_per_day: float
    cl_complex_l_per_day: float
    complex_clearance_is_excess: bool
    cl_ige_l_per_day: float
    volume_l: float
    volume_complex_l: float
    ige_production_nmol_per_day: float
    kd_nm: float
    kd_ratio_exponent: float
    ref_weight_kg: float
    ref_ige_ng_per_ml: float
    wt_on_cl_drug: float = 0.0
    wt_on_cl_complex: float = 0.0
    wt_on_cl_ige: float = 0.0
    wt_on_volume: float = 0.0
    wt_on_volume_complex: float = 0.0
    wt_on_production: float = 0.0
    ige_on_cl_ige: float = 0.0
    ige_on_production: float = 0.0
    ige_on_kd: float = 0.0
    studied_weight_kg: tuple[float, float] = (0.0, math.inf)
    studied_ige_iu_per_ml: tuple[float, float] = (0.0, math.inf)

    def describe(self) -> dict[str, float]:
        """The typical values, with units in their names (for responses and reports)."""
        return {
            "ka_per_day": self.ka_per_day,
            "cl_drug_l_per_day": self.cl_drug_l_per_day,
            "cl_complex_l_per_day": self.cl_complex_l_per_day,
            "cl_ige_l_per_day": self.cl_ige_l_per_day,
            "volume_l": self.volume_l,
            "volume_complex_l": self.volume_complex_l,
            "ige_production_nmol_per_day": self.ige_production_nmol_per_day,
            "kd_nm": self.kd_nm,
            "kd_ratio_exponent": self.kd_ratio_exponent,
            "ref_weight_kg": self.ref_weight_kg,
            "ref_ige_ng_per_ml": self.ref_ige_ng_per_ml,
        }


def _per_day(ml_per_h: float) -> float:
    return ml_per_h * _HOURS_PER_DAY / 1000.0


HAYASHI_2007 = BindingParameterSet(
    name="hayashi2007",
    citation="Hayashi N et al. Br J Clin Pharmacol 2007;63:548-561, table 3",
    ka_per_day=0.0200 * _HOURS_PER_DAY,
    cl_drug_l_per_day=_per_day(7.32),
    cl_complex_l_per_day=_per_day(5.86),
    complex_clearance_is_excess=True,
    cl_ige_l_per_day=_per_day(71.0),
    volume_l=5.900,
    volume_complex_l=3.630,
    ige_production_nmol_per_day=30.3 * _HOURS_PER_DAY / MW_IGE_KDA,  # µg/h -> nmol/day
    kd_nm=1.07,
    kd_ratio_exponent=0.157,
    ref_weight_kg=61.1,
    ref_ige_ng_per_ml=482.4,
    wt_on_cl_drug=0.911,
    wt_on_volume=0.658,
    ige_on_cl_ige=-0.281,
    ige_on_production=0.657,
    studied_weight_kg=(42.0, 101.0),
    studied_ige_iu_per_ml=(53.0 / NG_PER_ML_PER_IU, 2143.0 / NG_PER_ML_PER_IU),
)

LOWE_2009 = BindingParameterSet(
    name="lowe2009",
    citation="Lowe PJ et al. Br J Clin Pharmacol 2009;68:61-76, table 3 (transcribed)",
    ka_per_day=0.458,
    cl_drug_l_per_day=0.208,
    cl_complex_l_per_day=0.832,
    complex_clearance_is_excess=False,
    cl_ige_l_per_day=3.85,
    volume_l=9.33,
    volume_complex_l=6.31,
    ige_production_nmol_per_day=1220.0 / MW_IGE_KDA,  # µg/day -> nmol/day
    kd_nm=1.81,
    kd_ratio_exponent=0.0902,
    ref_weight_kg=70.0,
    ref_ige_ng_per_ml=365.0,
    wt_on_cl_drug=1.00,
    wt_on_cl_complex=0.671,
    wt_on_cl_ige=0.499,
    wt_on_volume=0.828,
    wt_on_volume_complex=0.549,
    wt_on_production=0.491,
    ige_on_cl_ige=0.372,
    ige_on_production=0.594,
    ige_on_kd=0.115,
    studied_weight_kg=(39.0, 150.0),
    studied_ige_iu_per_ml=(19.0, 1055.0),
)

PARAMETER_SETS: dict[str, BindingParameterSet] = {
    HAYASHI_2007.name: HAYASHI_2007, LOWE_2009.name: LOWE_2009}


@dataclass(frozen=True)
class IndividualBinding:
    """One entry per simulated subject (arrays of equal shape ``(B,)``)."""

    ka_per_day: FloatArray
    cl_drug_l_per_day: FloatArray
    cl_complex_l_per_day: FloatArray
    cl_ige_l_per_day: FloatArray
    volume_l: FloatArray
    volume_complex_l: FloatArray
    ige_production_nmol_per_day: FloatArray
    kd_nm: FloatArray
    kd_ratio_exponent: FloatArray
    baseline_ige_nm: FloatArray

    @property
    def size(self) -> int:
        return int(self.ka_per_day.size)

    def take(self, index: ArrayLike) -> IndividualBinding:
        """The subjects at ``index`` (any numpy index), e.g. to repeat them per candidate."""
        idx = np.asarray(index)
        return IndividualBinding(**{k: np.asarray(v)[idx] for k, v in self.__dict__.items()})

    @property
    def drug_free_ige_nm(self) -> FloatArray:
        """Free (= total) IgE at steady state without drug: production / IgE clearance."""
        return self.ige_production_nmol_per_day / self.cl_ige_l_per_day


def individual_parameters(weight_kg: ArrayLike, baseline_ige_ng_per_ml: ArrayLike,
                          parameter_set: BindingParameterSet = HAYASHI_2007,
                          ige_production: IgEProduction = "baseline") -> IndividualBinding:
    """Covariate-adjusted typical values for each (weight, baseline IgE) pair."""
    w, ige = np.broadcast_arrays(np.asarray(weight_kg, dtype=np.float64),
                                 np.asarray(baseline_ige_ng_per_ml, dtype=np.float64))
    w, ige = w.reshape(-1), ige.reshape(-1)
    p = parameter_set
    rw, ri = w / p.ref_weight_kg, ige / p.ref_ige_ng_per_ml
    cl_drug = p.cl_drug_l_per_day * rw ** p.wt_on_cl_drug
    if p.complex_clearance_is_excess:
        cl_complex = cl_drug + p.cl_complex_l_per_day * rw ** p.wt_on_cl_complex
    else:
        cl_complex = p.cl_complex_l_per_day * rw ** p.wt_on_cl_complex
    cl_ige = p.cl_ige_l_per_day * rw ** p.wt_on_cl_ige * ri ** p.ige_on_cl_ige
    baseline_nm = ige / MW_IGE_KDA
    if ige_production == "baseline":
        production = cl_ige * baseline_nm
    else:
        production = (p.ige_production_nmol_per_day * rw ** p.wt_on_production
                      * ri ** p.ige_on_production)
    ones = np.ones_like(w)
    return IndividualBinding(
        ka_per_day=p.ka_per_day * ones,
        cl_drug_l_per_day=cl_drug,
        cl_complex_l_per_day=cl_complex,
        cl_ige_l_per_day=cl_ige,
        volume_l=p.volume_l * rw ** p.wt_on_volume,
        volume_complex_l=p.volume_complex_l * rw ** p.wt_on_volume_complex,
        ige_production_nmol_per_day=production,
        kd_nm=p.kd_nm * ri ** p.ige_on_kd,
        kd_ratio_exponent=p.kd_ratio_exponent * ones,
        baseline_ige_nm=baseline_nm,
    )
