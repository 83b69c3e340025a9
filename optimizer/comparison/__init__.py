"""Schedules side by side for one patient, and across virtual patients.

* :mod:`~optimizer.comparison.schedules` — doses, concentration and score of each schedule
  over a horizon, days above the threshold (exact on a whole-day grid).
* :mod:`~optimizer.comparison.costs` — syringes per dose, drug and visit costs by price list.
* :mod:`~optimizer.comparison.population` — virtual patients: the share controlled on each
  schedule and the cost of control.
"""

from optimizer.comparison.costs import (
    DEFAULT_PRICES,
    MAX_PRICE,
    SYRINGE_SIZES_MG,
    PriceList,
    ScheduleCost,
    SyringeFill,
    fill_dose,
    schedule_cost,
)
from optimizer.comparison.population import (
    MAX_PATIENTS,
    MAX_POPULATION_WORK,
    PATIENT_YEAR_DAYS,
    PopulationFigures,
    PopulationSpec,
    VirtualPatients,
    controlled_days,
    draw_patients,
    incremental_cost,
    population_figures,
    population_work,
)
from optimizer.comparison.schedules import (
    DEFAULT_HORIZON_DAYS,
    MAX_HORIZON_DAYS,
    ComparisonSetup,
    ScheduleResult,
    Start,
    check_schedule,
    compare_schedules,
    days_above_threshold,
    dose_list_concentration_mg_per_l,
    evaluate_schedule,
    regular_concentration_mg_per_l,
    schedule_concentration_mg_per_l,
    score_path,
)

__all__ = [
    "ComparisonSetup",
    "DEFAULT_HORIZON_DAYS",
    "DEFAULT_PRICES",
    "MAX_HORIZON_DAYS",
    "MAX_PATIENTS",
    "MAX_POPULATION_WORK",
    "MAX_PRICE",
    "PATIENT_YEAR_DAYS",
    "PopulationFigures",
    "PopulationSpec",
    "PriceList",
    "SYRINGE_SIZES_MG",
    "ScheduleCost",
    "ScheduleResult",
    "Start",
    "SyringeFill",
    "VirtualPatients",
    "check_schedule",
    "compare_schedules",
    "controlled_days",
    "days_above_threshold",
    "dose_list_concentration_mg_per_l",
    "draw_patients",
    "evaluate_schedule",
    "fill_dose",
    "incremental_cost",
    "population_figures",
    "population_work",
    "regular_concentration_mg_per_l",
    "schedule_concentration_mg_per_l",
    "schedule_cost",
    "score_path",
]
