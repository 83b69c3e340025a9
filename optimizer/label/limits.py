"""The label's limits as values: maximum dose, syringe sizes, age, weight and IgE spans.

Read from ``optimizer/label/data/label_limits.toml`` (shipped in the package); every value there
carries its source (document, section, edition). Two labels are known: ``"eu"`` (EU SmPC) and
``"us"`` (US PI, editions before 2024); see ``docs/label.md``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from types import MappingProxyType
from typing import Any, Literal

from optimizer.errors import InputError

__all__ = [
    "INDICATIONS",
    "LABELS",
    "IndicationLimits",
    "Label",
    "LabelLimits",
    "label_limits",
    "limits_version",
    "syringe_combination",
]

Label = Literal["eu", "us"]
#: Labels with data files.
LABELS: tuple[Label, ...] = ("eu", "us")
#: Indications a request may name; any other ("mastocytosis", "other") is off-label.
INDICATIONS = ("asthma", "nasal_polyps", "csu", "mastocytosis", "other")


@dataclass(frozen=True)
class IndicationLimits:
    """One labelled indication: youngest age, and either a weight x IgE table span or fixed
    doses (every ``fixed_interval_weeks``)."""

    name: str
    min_age_years: float
    source: str
    weight_low_kg: float | None = None
    weight_high_kg: float | None = None
    ige_low_iu_per_ml: float | None = None
    ige_high_iu_per_ml: float | None = None
    fixed_doses_mg: tuple[float, ...] = ()
    fixed_interval_weeks: int | None = None

    @property
    def table_based(self) -> bool:
        return self.weight_low_kg is not None


@dataclass(frozen=True)
class LabelLimits:
    """One label's limits (units in the names; sources as sentences)."""

    label: Label
    document: str
    syringe_sizes_mg: tuple[float, ...]
    syringe_sizes_source: str
    max_dose_mg: float
    max_dose_per_days: int
    max_dose_source: str
    longest_interval_days: int
    longest_interval_source: str
    indications: dict[str, IndicationLimits]

    def indication(self, name: str) -> IndicationLimits | None:
        """The labelled indication, or ``None`` when ``name`` is off-label here."""
        return self.indications.get(name)

    def above_max(self, dose_mg: float, interval_days: float) -> bool:
        """True when one injection, or the dose given per ``max_dose_per_days``, exceeds the
        label maximum (600 mg every 2 weeks in the EU)."""
        per_window = dose_mg * max(1.0, self.max_dose_per_days / interval_days)
        return dose_mg > self.max_dose_mg + 1e-9 or per_window > self.max_dose_mg + 1e-9


@cache
def _raw() -> dict[str, Any]:
    text = files("optimizer.label").joinpath("data", "label_limits.toml").read_text("utf-8")
    return tomllib.loads(text)


def limits_version() -> str:
    """Version string of the limits file (quoted in answers)."""
    return str(_raw()["version"])


def _indication(name: str, raw: dict[str, Any]) -> IndicationLimits:
    return IndicationLimits(
        name=name, min_age_years=float(raw["min_age_years"]), source=str(raw["source"]),
        weight_low_kg=raw.get("weight_low_kg"), weight_high_kg=raw.get("weight_high_kg"),
        ige_low_iu_per_ml=raw.get("ige_low_iu_per_ml"),
        ige_high_iu_per_ml=raw.get("ige_high_iu_per_ml"),
        fixed_doses_mg=tuple(float(d) for d in raw.get("fixed_doses_mg", ())),
        fixed_interval_weeks=raw.get("fixed_interval_weeks"))


@cache
def label_limits(label: str) -> LabelLimits:
    """The limits of ``label`` ("eu" or "us"); raises InputError naming ``label`` otherwise."""
    if label not in LABELS:
        raise InputError("label", label, '"eu" (EU SmPC) or "us" (US PI)')
    raw = _raw()[label]
    return LabelLimits(
        label="eu" if label == "eu" else "us",
        document=str(raw["document"]),
        syringe_sizes_mg=tuple(float(s) for s in raw["syringe_sizes_mg"]),
        syringe_sizes_source=str(raw["syringe_sizes_source"]),
        max_dose_mg=float(raw["max_dose_mg"]), max_dose_per_days=int(raw["max_dose_per_days"]),
        max_dose_source=str(raw["max_dose_source"]),
        longest_interval_days=int(raw["longest_interval_days"]),
        longest_interval_source=str(raw["longest_interval_source"]),
        indications={k: _indication(k, v) for k, v in raw["indications"].items()})


def syringe_combination(dose_mg: float, sizes_mg: tuple[float, ...]
                        ) -> Mapping[float, int] | None:
    """Fewest syringes whose contents add up to ``dose_mg`` exactly, as a read-only
    ``{size_mg: count}`` mapping; ``None`` when no combination makes the dose (e.g. 100 mg from
    75/150/300 mg syringes).

    Exact on whole milligrams (syringe sizes are whole milligrams); a dynamic programme over
    the dose, at most 2,400 steps, run once per (dose, sizes) in a process: every answer asks
    for the same few doses, both when its options are checked and when its warnings are
    written. The mapping is shared between callers, hence read-only.
    """
    if dose_mg <= 0 or abs(dose_mg - round(dose_mg)) > 1e-9:
        return None
    return _combination(round(dose_mg), tuple(sorted({round(s) for s in sizes_mg})))


@lru_cache(maxsize=1024)
def _combination(target: int, sizes: tuple[int, ...]) -> Mapping[float, int] | None:
    best: list[int | None] = [0] + [None] * target
    last: list[int] = [0] * (target + 1)
    for amount in range(1, target + 1):
        for s in sizes:
            prev = best[amount - s] if s <= amount else None
            cur = best[amount]
            if prev is not None and (cur is None or prev + 1 < cur):
                best[amount], last[amount] = prev + 1, s
    if best[target] is None:
        return None
    out: dict[float, int] = {}
    amount = target
    while amount > 0:
        s = last[amount]
        out[float(s)] = out.get(float(s), 0) + 1
        amount -= s
    return MappingProxyType(out)
