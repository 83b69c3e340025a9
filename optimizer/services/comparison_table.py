"""A comparison for analysts: the columns with their meaning, figures to the penny, incremental
figures signed and explained, and the CSV file (one writer for the command line and the page).

The page renders :func:`comparison_table` as it comes; the terminal and the CSV use the same
column meanings (:data:`COLUMN_MEANINGS`, also listed in ``docs/comparisons.md``).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from optimizer.core.csv_cells import safe_row
from optimizer.schemas.comparison import ComparisonPublic, ComparisonRowPublic
from optimizer.services.format import format_money

__all__ = ["COLUMN_MEANINGS", "CSV_COLUMNS", "comparison_csv", "comparison_table",
           "incremental_text"]

#: Every CSV column (the API's row fields plus syringe counts and the currency).
CSV_COLUMNS: tuple[str, ...] = (
    "schedule", "source", "interval_days", "dose_mg", "injections", "syringes_75",
    "syringes_150", "syringes_300", "total_mg", "drug_cost", "visit_cost", "total_cost",
    "days_above_threshold", "fraction_controlled", "max_score", "delta_injections",
    "delta_total_cost", "delta_days_above_threshold", "delta_fraction_controlled",
    "share_controlled", "mean_controlled_days", "cost_per_patient_year",
    "cost_per_controlled_patient_year", "incremental_cost_per_controlled_patient_year",
    "currency")

#: (field, header, meaning) of each column the page and the terminal show.
COLUMN_MEANINGS: tuple[tuple[str, str, str], ...] = (
    ("schedule", "Schedule", "The dosing schedule; the first row is the reference."),
    ("injections", "Injections", "Injection visits over the horizon."),
    ("syringes", "Syringes", "Prefilled syringes used, by size, with the fewest syringes per "
                             "dose."),
    ("total_cost", "Total cost", "Syringes plus administration visits over the horizon, for "
                                 "the typical patient."),
    ("delta_total_cost", "Cost vs reference", "Total cost minus the reference's; negative "
                                              "means cheaper."),
    ("days_above_threshold", "Days above threshold", "Days on which the typical patient's "
                                                     "predicted score exceeds the threshold."),
    ("fraction_controlled", "Days controlled", "Share of the horizon's days at or below the "
                                               "threshold, typical patient."),
    ("max_score", "Worst score", "Highest predicted score over the horizon, typical patient."),
    ("share_controlled", "Patients controlled", "Share of the virtual patients with no day "
                                                "above the threshold."),
    ("cost_per_controlled_patient_year", "Cost per controlled patient-year",
     "Cost of all virtual patients divided by their time without an excursion, in years; "
     "empty if none is controlled."),
    ("incremental_cost_per_controlled_patient_year", "Incremental cost per controlled "
     "patient-year", "Difference in cost per patient-year divided by the difference in "
     "controlled patient-years, against the reference. Positive for a cheaper, less "
     "controlled schedule: the money saved per controlled patient-year given up."),
)
_POPULATION = {"share_controlled", "cost_per_controlled_patient_year",
               "incremental_cost_per_controlled_patient_year"}


def incremental_text(row: ComparisonRowPublic, reference: ComparisonRowPublic,
                     currency: str) -> str:
    """The incremental figure in words, against the reference row.

    Cheaper and less controlled: money saved per controlled patient-year given up. Dearer and
    more controlled: money spent per controlled patient-year gained. Dearer (or equal) and no
    better: dominated. Cheaper (or equal) and no worse: dominant."""
    if row is reference or row.incremental_cost_per_controlled_patient_year is None:
        return "reference" if row is reference else "same control as the reference"
    d_cost = (row.cost_per_patient_year or 0.0) - (reference.cost_per_patient_year or 0.0)
    d_days = (row.mean_controlled_days or 0.0) - (reference.mean_controlled_days or 0.0)
    value = format_money(abs(row.incremental_cost_per_controlled_patient_year), currency)
    if d_cost < 0 < -d_days:
        return f"saves {value} per controlled patient-year lost"
    if d_cost > 0 and d_days > 0:
        return f"costs {value} per controlled patient-year gained"
    if d_cost >= 0 and d_days <= 0:
        return "dominated: costs as much or more and controls fewer patient-years"
    return "dominant: costs less and controls as many or more patient-years"


def _cell(field: str, row: ComparisonRowPublic, out: ComparisonPublic) -> str:
    c = out.currency
    pct = "{:.1f} %".format
    if field == "schedule":
        return row.schedule + (" (optimizer)" if row.source == "optimal" else "")
    if field == "syringes":
        return ", ".join(f"{n} × {size} mg" for size, n in row.syringes.items())
    if field == "delta_total_cost":
        return ("+" if row.delta_total_cost > 0 else "") + format_money(row.delta_total_cost)
    if field in ("total_cost", "cost_per_controlled_patient_year"):
        return format_money(getattr(row, field))
    if field == "incremental_cost_per_controlled_patient_year":
        return incremental_text(row, out.rows[0], c)
    if field in ("fraction_controlled", "share_controlled"):
        value = getattr(row, field)
        return "-" if value is None else pct(100 * value)
    if field == "max_score":
        return f"{row.max_score:.2f}"
    return str(getattr(row, field))


def comparison_table(out: ComparisonPublic) -> dict[str, Any]:
    """The page's table: ``columns`` (field, header, meaning), ``rows`` (text cells) and a
    ``caption``; population columns only when virtual patients were asked for."""
    columns = [c for c in COLUMN_MEANINGS if out.population is not None or c[0] not in _POPULATION]
    who = f" and {out.population.n:,} virtual patients" if out.population is not None else ""
    return {
        "columns": [{"field": f, "header": h, "meaning": m} for f, h, m in columns],
        "rows": [[_cell(f, r, out) for f, _, _ in columns] for r in out.rows],
        "caption": f"Over {out.horizon_days} days, typical patient{who}; money in "
                   f"{out.currency}; differences against {out.reference}.",
    }


def comparison_csv(out: ComparisonPublic) -> str:
    """One line per schedule with :data:`CSV_COLUMNS`; money to the penny, empty for null."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in out.rows:
        record: dict[str, Any] = row.model_dump()
        for size in ("75", "150", "300"):
            record[f"syringes_{size}"] = row.syringes.get(size, 0)
        record["currency"] = out.currency
        writer.writerow(safe_row({k: ("" if record.get(k) is None else record[k])
                                  for k in CSV_COLUMNS}))
    return buffer.getvalue()
