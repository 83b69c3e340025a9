"""Story: the strictness rules every request field obeys are read from each model class once;
they still hold on every validation after the first, for each model on its own (a subclass
with other fields gets its own rules), and numbers and nulls pass untouched."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from optimizer.schemas.base import InputModel


class Dose(InputModel):
    dose_mg: float
    note: str = ""
    weeks: list[int] | None = None


class FlaggedDose(Dose):
    confirmed: bool = False


def _locations(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple[int | str, ...]]:
    return [tuple(e["loc"]) for e in exc.value.errors()]


@pytest.mark.parametrize("repeat", range(3))
def test_rules_hold_on_every_validation_and_per_model(repeat: int) -> None:
    with pytest.raises(ValidationError) as exc:
        Dose.model_validate({"dose_mg": True})
    assert _locations(exc) == [("dose_mg",)]
    with pytest.raises(ValidationError) as exc:
        Dose.model_validate({"dose_mg": 300.0, "weeks": [4, False]})
    assert _locations(exc) == [("weeks", 1)]
    with pytest.raises(ValidationError) as exc:
        Dose.model_validate({"dose_mg": 300.0, "note": "a\x00b"})
    assert _locations(exc) == [("note",)]
    with pytest.raises(ValidationError) as exc:
        FlaggedDose.model_validate({"dose_mg": False, "confirmed": True})
    assert _locations(exc) == [("dose_mg",)]
    ok = FlaggedDose.model_validate({"dose_mg": 300, "confirmed": True, "weeks": None})
    assert (ok.dose_mg, ok.confirmed, ok.weeks) == (300.0, True, None)
    with pytest.raises(ValidationError) as exc:
        Dose.model_validate({"dose_mg": 300.0, "confirmed": True})  # not a field of Dose
    assert _locations(exc) == [("confirmed",)]
