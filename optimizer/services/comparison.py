"""Schedule comparison, schema in and schema out: shared by the API, the CLI and the plots.

The optimizer's row comes from :func:`optimizer.services.recommendation.recommend` (the same
answer as
``POST /v1/recommendations``); doses, costs and control from :mod:`optimizer.comparison.schedules`
and
:mod:`optimizer.comparison.population`. No logic lives in a route or a command.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.comparison.population import (
    MAX_POPULATION_WORK,
    PATIENT_YEAR_DAYS,
    VARIABILITY_SOURCES,
    PopulationFigures,
    controlled_days,
    draw_patients,
    incremental_cost,
    population_figures,
    population_work,
)
from optimizer.comparison.schedules import ComparisonSetup, ScheduleResult, evaluate_schedule
from optimizer.core.regimen import DoseList, RegularSchedule, Schedule, parse_schedule
from optimizer.errors import InputError
from optimizer.schemas.comparison import (
    ComparisonPublic,
    ComparisonRequest,
    ComparisonRowPublic,
    ComparisonRun,
    DoseListIn,
    OptimalPublic,
)
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.services.budget import check_budget, comparison_estimate
from optimizer.services.parameters import model_parameters
from optimizer.services.recommendation import recommend
from optimizer.services.warnings import comparison_warnings, labelled_doses
from optimizer.settings import Settings, get_settings

__all__ = ["ASSUMPTIONS", "ComparisonRun", "check_comparison", "compare", "run_comparison"]

ASSUMPTIONS: tuple[str, ...] = (
    "One-compartment pharmacokinetics with first-order subcutaneous absorption and linear "
    "elimination; clearance and volume scale with body weight (label).",
    "Symptom score follows an inhibitory sigmoid Emax curve of serum concentration with no "
    "delay; a day counts as uncontrolled if the score exceeds the threshold at any moment.",
    "Every dose is given on its day; costs count list prices of whole syringes and one visit "
    "per injection, without discounting, wastage or other care costs.",
    "Virtual patients differ only in weight, clearance, volume and EC50, as documented; real "
    "patients may differ more, and in other ways.",
    "This comparison supports, and does not replace, clinical and commissioning judgement.",
)


@dataclass(frozen=True)
class _Entry:
    label: str
    schedule: Schedule
    field: str
    source: str


def check_comparison(request: ComparisonRequest) -> None:
    """Every check a comparison passes before any work: the cross-field rules and each given
    schedule's text (raises :class:`~optimizer.errors.InputError` naming ``schedules[i]``).
    Batches call it when they validate, so a bad schedule is refused with the file, not
    computed as a failed scenario."""
    request.to_problem()
    _given(request)


def _given(request: ComparisonRequest) -> list[_Entry]:
    out = []
    for i, item in enumerate(request.schedules):
        field = f"schedules[{i}]"
        if isinstance(item, DoseListIn):
            sched: Schedule = DoseList(tuple((d.day, d.dose_mg) for d in item.doses), item.name)
            out.append(_Entry(item.name, sched, field, "given"))
        else:
            sched = parse_schedule(item, field, request.start_date)
            out.append(_Entry(item.strip(), sched, field, "given"))
    return out


def _optimal(request: ComparisonRequest, given: list[_Entry],
             settings: Settings | None) -> tuple[OptimalPublic, _Entry | None]:
    doses = request.optimal.dose_options_mg
    if doses is None:  # the given schedules' doses that the label allows (warnings name others)
        regular = {e.schedule.dose_mg for e in given if isinstance(e.schedule, RegularSchedule)}
        doses = labelled_doses(sorted(regular), request.label,
                               request.optimal.interval_options_days.min) or [300.0]
    rec_request = RecommendationRequest(
        patient=request.patient, pk=request.pk, response=request.response,
        threshold_score=request.threshold_score, label=request.label,
        indication=request.indication, dose_options_mg=doses,
        interval_options_days=request.optimal.interval_options_days)
    try:
        out = recommend(rec_request, settings)
    except InputError as exc:
        raise InputError(f"optimal.{exc.field}", exc.value, exc.allowed) from None
    summary = OptimalPublic(status=out.status, interval_days=out.interval_days,
                            dose_mg=out.dose_mg, explanation=out.explanation,
                            warnings=out.warnings)
    if out.interval_days is None or out.dose_mg is None:
        return summary, None
    sched = RegularSchedule(dose_mg=out.dose_mg, interval_days=out.interval_days,
                            start_date=request.start_date)
    return summary, _Entry(sched.text, sched, "optimal", "optimal")


def _check_population_size(request: ComparisonRequest, entries: list[_Entry],
                           settings: Settings) -> None:
    pop = request.population
    if pop is None:
        return
    work = population_work(pop.n, [e.schedule for e in entries], request.horizon_days)
    if work > MAX_POPULATION_WORK:
        raise InputError("population.n", pop.n,
                         f"n x (horizon_days + 1) x schedules (dose-list schedules count one "
                         f"per dose) at most {MAX_POPULATION_WORK:,}; this asks {work:,}: "
                         "fewer patients, schedules or days")
    check_budget(comparison_estimate(work, pop.n), settings.request_time_limit_s)


def _money(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def _shares_by_source(request: ComparisonRequest, setup: ComparisonSetup,
                      results: list[ScheduleResult]) -> list[dict[str, float]]:
    """Share controlled per schedule under each sourced variability model (module doc of
    :mod:`optimizer.comparison.population`): the range the figure takes over them."""
    assert request.population is not None
    out: list[dict[str, float]] = [{} for _ in results]
    for name in VARIABILITY_SOURCES:
        patients = draw_patients(request.population.to_domain(name), setup)
        for k, r in enumerate(results):
            days = controlled_days(patients, setup, r.schedule)
            out[k][name] = float((days == setup.horizon_days).mean())
    return out


def _row(res: ScheduleResult, ref: ScheduleResult, horizon_days: int,
         fig: PopulationFigures | None, ref_fig: PopulationFigures | None,
         by_source: dict[str, float]) -> ComparisonRowPublic:
    c = res.cost
    last = None
    if isinstance(res.schedule, RegularSchedule) and res.schedule.start_date is not None:
        last = res.schedule.dose_dates(horizon_days)[-1]
    pop: dict[str, float | None] = {}
    if fig is not None and ref_fig is not None:
        pop = dict(share_controlled=fig.share_controlled,
                   mean_controlled_days=fig.mean_controlled_days,
                   cost_per_patient_year=_money(fig.cost_per_patient_year),
                   cost_per_controlled_patient_year=_money(fig.cost_per_controlled_patient_year),
                   incremental_cost_per_controlled_patient_year=_money(
                       incremental_cost(fig, ref_fig, horizon_days)),
                   delta_share_controlled=round(fig.share_controlled - ref_fig.share_controlled, 9))
    extra: dict[str, object] = {}
    if by_source:
        extra = dict(share_controlled_range=[min(by_source.values()), max(by_source.values())],
                     share_controlled_by_variability=by_source)
    return ComparisonRowPublic(
        schedule=res.label, source="optimal" if res.source == "optimal" else "given",
        interval_days=res.interval_days, dose_mg=res.dose_mg, injections=c.injections,
        syringes={str(k): v for k, v in c.syringes.items()}, total_mg=c.total_mg,
        drug_cost=round(c.drug_cost, 2), visit_cost=round(c.visit_cost, 2),
        total_cost=round(c.total_cost, 2), days_above_threshold=res.days_above_threshold,
        fraction_controlled=res.fraction_controlled, max_score=res.max_score,
        last_dose_date=last, delta_injections=c.injections - ref.cost.injections,
        delta_total_cost=round(c.total_cost - ref.cost.total_cost, 2),
        delta_days_above_threshold=res.days_above_threshold - ref.days_above_threshold,
        delta_fraction_controlled=res.fraction_controlled - ref.fraction_controlled, **pop,
        **extra)


def _notes(request: ComparisonRequest, optimal: OptimalPublic | None) -> list[str]:
    h = request.horizon_days
    notes = [f"Horizon: {h} days ({h / 7:g} weeks) from day 0; a regular schedule's doses fall on "
             "days 0, tau, 2 tau, ... inside it.",
             "Start at steady state: each schedule has been kept for months before day 0."
             if request.start == "steady_state" else
             "Start at the first dose: the concentration builds up from zero, so the first "
             "days are uncontrolled on every schedule.",
             f"Deltas are against the first schedule ({_label(request)}).",
             f"Money in {request.prices.currency}; a patient-year is {PATIENT_YEAR_DAYS} days."]
    if request.population is not None:
        notes.append("Population figures: the same virtual patients for every schedule; a "
                     "controlled patient-year is a year of days without an excursion.")
    if optimal is not None and optimal.status == "infeasible":
        notes.append("No allowed dose and interval keeps the typical patient's score under "
                     "the threshold: there is no optimal row.")
    elif optimal is not None:
        notes.append("The optimal row is the longest interval keeping the typical patient's "
                     "steady-state score at or below the threshold (same answer as "
                     "POST /v1/recommendations).")
    return notes


def _dose_interval(schedule: Schedule) -> tuple[float | None, int | None]:
    if isinstance(schedule, RegularSchedule):
        return schedule.dose_mg, schedule.interval_days
    return None, None


def _label(request: ComparisonRequest) -> str:
    first = request.schedules[0]
    return first.name if isinstance(first, DoseListIn) else first.strip()


def run_comparison(request: ComparisonRequest, settings: Settings | None = None) -> ComparisonRun:
    """Answer a comparison request (raises InputError on a question it cannot answer)."""
    problem = request.to_problem()
    setup = ComparisonSetup(problem=problem, prices=request.prices.to_domain(),
                            horizon_days=request.horizon_days, start=request.start)
    entries = _given(request)
    optimal: OptimalPublic | None = None
    if request.include_optimal:
        optimal, entry = _optimal(request, entries, settings)
        if entry is not None:
            entries.append(entry)
    _check_population_size(request, entries, settings or get_settings())
    results = [evaluate_schedule(setup, e.schedule, e.label, e.field, e.source)
               for e in entries]
    figures: list[PopulationFigures | None] = [None] * len(results)
    by_source: list[dict[str, float]] = [{} for _ in results]
    if request.population is not None:
        patients = draw_patients(request.population.to_domain(), setup)
        figures = [population_figures(controlled_days(patients, setup, r.schedule),
                                      r.cost.total_cost, setup.horizon_days) for r in results]
        by_source = _shares_by_source(request, setup, results)
    rows = [_row(r, results[0], setup.horizon_days, f, figures[0], s)
            for r, f, s in zip(results, figures, by_source, strict=True)]
    public = ComparisonPublic(
        rows=rows, reference=results[0].label, currency=request.prices.currency,
        horizon_days=request.horizon_days, start=request.start,
        threshold_score=request.threshold_score,
        threshold_conc_mg_per_l=setup.threshold_conc_mg_per_l,
        patient_year_days=PATIENT_YEAR_DAYS, prices=request.prices,
        population=request.population, optimal=optimal, model=model_parameters(problem),
        notes=_notes(request, optimal), assumptions=list(ASSUMPTIONS),
        warnings=comparison_warnings(request, [(e.field, *_dose_interval(e.schedule))
                                               for e in entries if e.source == "given"]))
    return ComparisonRun(public=public, setup=setup,
                         schedules=tuple(e.schedule for e in entries))


def compare(request: ComparisonRequest, settings: Settings | None = None) -> ComparisonPublic:
    """The comparison table for a request."""
    return run_comparison(request, settings).public
