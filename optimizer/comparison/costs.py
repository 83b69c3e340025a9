"""Drug and visit costs of a schedule: syringes per dose, price list, currency.

A dose is filled with the **fewest syringes** of the sizes in the price list; where several
combinations use the same number of syringes, the **cheapest** is chosen (then the one with the
larger syringes, so the choice is always the same). A dose no combination can fill (100 mg with
75 / 150 / 300 mg syringes) is an :class:`~optimizer.errors.InputError`.

Default price list (:data:`DEFAULT_PRICES`) — **UK market, GBP, NHS list prices**:

* 150 mg syringe £256.15 and 75 mg syringe £128.07: BNF list prices quoted in NICE TA339
  (2015), see ``DOMAIN.md``.
* No 300 mg syringe: the source gives no UK price for it (it is sold in newer markets only);
  add one with ``syringe_price = {"300": ...}`` to use it.
* Visit cost 0: no sourced figure; set the cost of a clinic visit / nurse administration for
  your setting (each injection is one visit).

Other markets in ``DOMAIN.md`` (for overrides): Germany about EUR 547 per 150 mg; US Medicare
Part B about USD 1,173 per 150 mg (Q4 2023).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from optimizer.errors import InputError

__all__ = [
    "DEFAULT_PRICES",
    "MAX_PRICE",
    "PriceList",
    "SYRINGE_SIZES_MG",
    "ScheduleCost",
    "SyringeFill",
    "fill_dose",
    "schedule_cost",
]

#: Syringe sizes a price list may hold (label: 75 and 150 mg; 300 mg in newer markets).
SYRINGE_SIZES_MG: tuple[int, ...] = (75, 150, 300)
#: Highest price of a syringe or a visit accepted (any currency): a typo guard.
MAX_PRICE = 1.0e6


def _price(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(name, value, "a price, 0 or more")
    if not math.isfinite(value) or not 0.0 <= value <= MAX_PRICE:
        raise InputError(name, value, f"a price in [0, {MAX_PRICE:g}]")
    return float(value)


@dataclass(frozen=True)
class PriceList:
    """Price per syringe size (mg -> price), cost per administration visit, currency code."""

    syringe_price: Mapping[int, float]
    visit_cost: float = 0.0
    currency: str = "GBP"

    def __post_init__(self) -> None:
        if not self.syringe_price:
            raise InputError("prices.syringe_price", {}, "at least one priced syringe size "
                             f"of {', '.join(map(str, SYRINGE_SIZES_MG))} mg")
        for size, price in self.syringe_price.items():
            if size not in SYRINGE_SIZES_MG:
                raise InputError("prices.syringe_price", size,
                                 f"syringe sizes {', '.join(map(str, SYRINGE_SIZES_MG))} mg")
            _price(f"prices.syringe_price.{size}", price)
        _price("prices.visit_cost", self.visit_cost)
        cur = self.currency
        if not isinstance(cur, str) or len(cur) != 3 or not cur.isalpha() or not cur.isupper():
            raise InputError("prices.currency", cur, "a three-letter currency code (GBP, EUR)")
        object.__setattr__(self, "syringe_price",
                           MappingProxyType({int(k): float(v)
                                             for k, v in sorted(self.syringe_price.items())}))

    @property
    def sizes_mg(self) -> tuple[int, ...]:
        return tuple(sorted(self.syringe_price))


#: UK NHS list prices (BNF via NICE TA339), see the module docstring.
DEFAULT_PRICES = PriceList(syringe_price={75: 128.07, 150: 256.15}, visit_cost=0.0,
                           currency="GBP")


@dataclass(frozen=True)
class SyringeFill:
    """Syringes for one dose: ``counts[size_mg]``, and their price."""

    counts: Mapping[int, int]
    price: float

    @property
    def syringes(self) -> int:
        return sum(self.counts.values())


def fill_dose(dose_mg: float, prices: PriceList, field_name: str = "dose_mg") -> SyringeFill:
    """Fewest syringes, then cheapest, then larger syringes first; InputError if none fits."""
    sizes = sorted(prices.sizes_mg, reverse=True)
    rounded = round(dose_mg)
    best: tuple[int, float, tuple[int, ...]] | None = None
    if math.isclose(dose_mg, rounded, abs_tol=1e-9) and rounded > 0:
        for combo in _combinations(int(rounded), sizes):
            key = (sum(combo), sum(n * prices.syringe_price[s] for n, s in zip(combo, sizes,
                                                                              strict=True)),
                   tuple(-n for n in combo))
            if best is None or key < best:
                best = key
    if best is None:
        listed = ", ".join(f"{s}" for s in sorted(sizes))
        raise InputError(field_name, f"{dose_mg:g} mg",
                         f"a dose made of whole syringes of the priced sizes ({listed} mg)")
    counts = {s: -n for s, n in zip(sizes, best[2], strict=True) if n}
    return SyringeFill(counts=MappingProxyType(dict(sorted(counts.items()))), price=best[1])


def _combinations(dose_mg: int, sizes: list[int]) -> list[tuple[int, ...]]:
    """Every way to write ``dose_mg`` as whole syringes of ``sizes`` (at most 3 sizes)."""
    if not sizes:
        return [()] if dose_mg == 0 else []
    first, rest = sizes[0], sizes[1:]
    out = []
    for n in range(dose_mg // first, -1, -1):
        out += [(n, *tail) for tail in _combinations(dose_mg - n * first, rest)]
    return out


@dataclass(frozen=True)
class ScheduleCost:
    """Totals over a horizon: injections, syringes by size, mg and money."""

    injections: int
    syringes: Mapping[int, int]
    total_mg: float
    drug_cost: float
    visit_cost: float
    currency: str = field(default="GBP")

    @property
    def total_cost(self) -> float:
        return self.drug_cost + self.visit_cost


def schedule_cost(doses_mg: list[float], prices: PriceList,
                  field_name: str = "schedule") -> ScheduleCost:
    """Cost of the doses given (one visit each); each dose filled by :func:`fill_dose`."""
    syringes: dict[int, int] = {}
    drug = 0.0
    fills: dict[float, SyringeFill] = {}
    for dose in doses_mg:
        fill = fills.get(dose)
        if fill is None:
            fill = fills[dose] = fill_dose(dose, prices, field_name)
        drug += fill.price
        for size, n in fill.counts.items():
            syringes[size] = syringes.get(size, 0) + n
    return ScheduleCost(injections=len(doses_mg),
                        syringes=MappingProxyType(dict(sorted(syringes.items()))),
                        total_mg=float(sum(doses_mg)), drug_cost=drug,
                        visit_cost=len(doses_mg) * prices.visit_cost, currency=prices.currency)
