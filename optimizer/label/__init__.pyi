"""The public names of ``optimizer.label``: read by type checkers, and at run time by
``lazy_loader``, which imports each name's module when the name is first used."""

from .checks import (
    KNIFE_EDGE_LATE_DAYS,
    KNIFE_EDGE_MARGIN_FRACTION,
    PLAUSIBLE_HALF_LIFE_DAYS,
    AnswerFacts,
    HistoryFacts,
    answer_warnings,
    check_request_doses,
    history_facts,
)
from .limits import (
    INDICATIONS,
    LABELS,
    IndicationLimits,
    Label,
    LabelLimits,
    label_limits,
    limits_version,
    syringe_combination,
)
from .tables import (
    LabelCell,
    LabelDose,
    LabelStatus,
    label_cells,
    label_dose,
)

__all__ = [
    "AnswerFacts",
    "HistoryFacts",
    "INDICATIONS",
    "IndicationLimits",
    "KNIFE_EDGE_LATE_DAYS",
    "KNIFE_EDGE_MARGIN_FRACTION",
    "LABELS",
    "Label",
    "LabelCell",
    "LabelDose",
    "LabelLimits",
    "LabelStatus",
    "PLAUSIBLE_HALF_LIFE_DAYS",
    "answer_warnings",
    "check_request_doses",
    "history_facts",
    "label_cells",
    "label_dose",
    "label_limits",
    "limits_version",
    "syringe_combination",
]
