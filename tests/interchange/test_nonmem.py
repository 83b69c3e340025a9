"""Story: a pharmacometrician takes the fitted history to NONMEM, nlmixr2 or mrgsolve as a
NONMEM-style dataset, and brings one back: the round trip loses nothing, and the reference case
read from the dataset (or from its FHIR bundle) gets the scenario file's answer."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from optimizer.batch.scenario_files import load_recommendation
from optimizer.cli.main import app as cli_app
from optimizer.errors import InputError, ScenarioError
from optimizer.interchange.nonmem import read_nonmem, write_nonmem
from optimizer.interchange.sources import load_request_from
from optimizer.schemas.recommendation import RecommendationRequest
from tests.fhir.test_history_realities import answer_fields

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
REFERENCE = SCENARIOS / "reference-case-history.toml"
runner = CliRunner()


def cli_json(*args: str) -> dict[str, Any]:
    r = runner.invoke(cli_app, [*args, "--json"])
    assert r.exit_code == 0, r.output
    body: dict[str, Any] = json.loads(r.stdout)
    return body


@pytest.fixture(scope="module")
def reference_answer() -> dict[str, Any]:
    return cli_json("recommend", str(REFERENCE))


@pytest.fixture
def question_only(tmp_path: Path) -> Path:
    """The reference scenario's question without its patient data."""
    text = REFERENCE.read_text(encoding="utf-8")
    kept = text[:text.index("[[history.doses]]")].replace("[patient]\nweight_kg = 30\n", "")
    path = tmp_path / "question.toml"
    path.write_text(kept, encoding="utf-8")
    assert "history" not in tomllib.loads(kept) and "patient" not in tomllib.loads(kept)
    return path


def test_the_example_dataset_is_the_reference_history() -> None:
    assert (SCENARIOS / "reference-case-nonmem.csv").read_text(encoding="utf-8") == \
        write_nonmem(load_recommendation(REFERENCE), subject_id=3)


def test_round_trip_keeps_history_and_weight() -> None:
    request = load_recommendation(REFERENCE)
    back = read_nonmem(write_nonmem(request, subject_id=7), 7)
    again = RecommendationRequest.model_validate(
        {**request.model_dump(exclude={"history", "patient"}), **back})
    assert again.model_dump() == request.model_dump()


def test_the_dataset_gives_the_reference_answer(question_only: Path,
                                                reference_answer: dict[str, Any]) -> None:
    out = cli_json("recommend", str(question_only), "--nonmem",
                   str(SCENARIOS / "reference-case-nonmem.csv"), "--id", "3")
    assert answer_fields(out) == answer_fields(reference_answer)


def test_the_fhir_bundle_gives_the_reference_answer(reference_answer: dict[str, Any]) -> None:
    out = cli_json("recommend", "--fhir", str(SCENARIOS / "reference-case-fhir.json"))
    assert answer_fields(out) == answer_fields(reference_answer)


def test_export_from_the_fhir_bundle_equals_export_from_the_scenario() -> None:
    r = runner.invoke(cli_app, ["history", "export", str(SCENARIOS / "reference-case-fhir.json"),
                                "--format", "nonmem", "--id", "3"])
    assert r.exit_code == 0, r.output
    assert r.stdout == (SCENARIOS / "reference-case-nonmem.csv").read_text(encoding="utf-8")


days = st.lists(st.integers(0, 400), min_size=1, max_size=25, unique=True)


@given(dose_days=days, obs=st.dictionaries(st.integers(0, 400), st.tuples(
    st.none() | st.integers(0, 10), st.none() | st.booleans()).filter(lambda t: t != (None, None)),
    max_size=25), weight=st.floats(5, 200).map(lambda w: round(w, 3)))
def test_any_history_survives_the_round_trip(dose_days: list[int],
                                             obs: dict[int, tuple[int | None, bool | None]],
                                             weight: float) -> None:
    start = dt.date(2020, 1, 6)
    request = RecommendationRequest.model_validate({
        "patient": {"weight_kg": weight},
        "history": {"doses": [{"date": start + dt.timedelta(days=d), "dose_mg": 150}
                              for d in sorted(dose_days)],
                    "observations": [{"date": start + dt.timedelta(days=d), "score": s,
                                      "symptomatic": y} for d, (s, y) in sorted(obs.items())]}})
    back = RecommendationRequest.model_validate(read_nonmem(write_nonmem(request), 1))
    assert back.model_dump() == request.model_dump()


CSV = ("ID,TIME,AMT,DV,EVID,MDV,CMT,WT\n1,0,300,0,1,1,1,30\n1,28,0,2,0,0,3,30\n"
       "2,0,150,0,1,1,1,50\n2,14,150,0,1,1,1,51\n2,14,0,1,0,0,4,51\n")


def test_a_subject_is_read_by_id_from_its_first_date() -> None:
    got = read_nonmem(CSV, 2, first_date=dt.date(2021, 3, 1))
    assert got["patient"] == {"weight_kg": 51.0}
    assert got["history"]["doses"] == [{"date": "2021-03-01", "dose_mg": 150.0},
                                       {"date": "2021-03-15", "dose_mg": 150.0}]
    assert got["history"]["observations"] == [{"date": "2021-03-15", "symptomatic": True}]


@pytest.mark.parametrize(("text", "subject", "field", "allowed"), [
    (CSV, 1, "row 1 (DATE)", "--first-date"),
    (CSV.replace("ID,TIME", "SUBJ,TIME"), 1, "header", "ID"),
    (CSV, 9, "ID", "1, 2"),
    (CSV.replace("1,28,0,2,0,0,3", "1,28,0,2,0,0,2"), 1, "row 2 (CMT)", "3 (symptom score)"),
    (CSV.replace("1,28,0,2,0,0,3", "1,x,0,2,0,0,3"), 1, "row 2 (TIME)", "a number"),
    (CSV.replace("2,14,0,1,0,0,4", "2,14,0,3,0,0,4"), 2, "row 5 (DV)", "1 (symptomatic)"),
    (CSV.replace("2,0,150,0,1,1,1", "2,0,150,0,4,1,1"), 2, "row 3 (EVID)", "0 (observation)"),
])
def test_a_bad_dataset_names_row_and_column(text: str, subject: int, field: str,
                                            allowed: str) -> None:
    first = None if field == "row 1 (DATE)" else dt.date(2021, 3, 1)
    with pytest.raises(InputError) as err:
        read_nonmem(text, subject, first_date=first)
    assert err.value.field == field and allowed in err.value.allowed


def test_time_must_agree_with_date(tmp_path: Path) -> None:
    text = (SCENARIOS / "reference-case-nonmem.csv").read_text(encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(text.replace("3,28,300,", "3,29,300,"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad.csv: row 4 \(TIME\)"):
        load_request_from(nonmem=bad, subject_id=3)


def test_cli_errors_name_the_file_and_exit_2(tmp_path: Path) -> None:
    r = runner.invoke(cli_app, ["recommend", "--nonmem",
                                str(SCENARIOS / "reference-case-nonmem.csv")])
    assert r.exit_code == 2 and "--id" in r.output
    bundle = json.loads((SCENARIOS / "reference-case-fhir.json").read_text(encoding="utf-8"))
    bundle["entry"][3]["resource"]["effectiveDateTime"] = "2019-09"
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    r = runner.invoke(cli_app, ["recommend", "--fhir", str(path)])
    assert r.exit_code == 2
    assert "Bundle.entry[3].resource.effectiveDateTime" in r.output.replace("\n", "")


def test_baseline_ige_travels_as_the_ige_covariate_in_ng_per_ml() -> None:
    request = load_recommendation(REFERENCE).model_copy(
        update={"patient": load_recommendation(REFERENCE).patient.model_copy(
            update={"baseline_ige_iu_per_ml": 100.0})})
    text = write_nonmem(request)
    assert text.splitlines()[0] == "ID,TIME,AMT,DV,EVID,MDV,CMT,WT,IGE,DATE"
    back = read_nonmem(text, 1)
    assert back["patient"] == {"weight_kg": 30.0, "baseline_ige_ng_per_ml": 242.0}


def test_cli_fhir_answers_carry_the_bundle_notes_and_name_elements(tmp_path: Path) -> None:
    bundle = json.loads((SCENARIOS / "reference-case-fhir.json").read_text(encoding="utf-8"))
    bundle["entry"][0]["resource"]["birthDate"] = "2017-01-01"
    young = tmp_path / "young.json"
    young.write_text(json.dumps(bundle), encoding="utf-8")
    out = cli_json("recommend", "--fhir", str(young))
    assert "age_outside_label" in [w["code"] for w in out["warnings"]]
    params = bundle["entry"][-1]["resource"]["parameter"]
    next(p for p in params if p["name"] == "evaluation_date")["valueString"] = "2021-03-15"
    late = tmp_path / "late.json"
    late.write_text(json.dumps(bundle), encoding="utf-8")
    r = runner.invoke(cli_app, ["recommend", "--fhir", str(late)])
    assert r.exit_code == 2
    # the dose of 2021-04-05 (the 19th) lies after the evaluation date
    assert "Bundle.entry[20].resource.effectiveDateTime" in r.output.replace("\n", "")


def test_an_error_after_reading_names_the_row(question_only: Path, tmp_path: Path) -> None:
    """The dose of 2021-04-05 (row 38, line 39) lies after an evaluation date of 2021-03-15."""
    text = question_only.read_text(encoding="utf-8").replace("2021-05-03", "2021-03-15")
    question = tmp_path / "early.toml"
    question.write_text(text, encoding="utf-8")
    r = runner.invoke(cli_app, ["recommend", str(question), "--nonmem",
                                str(SCENARIOS / "reference-case-nonmem.csv"), "--id", "3"])
    assert r.exit_code == 2
    assert "reference-case-nonmem.csv: row 38 (DATE)" in r.output.replace("\n", "")
    origins: dict[str, str] = {}
    read_nonmem(CSV, 2, first_date=dt.date(2021, 3, 1), origins=origins)
    assert origins["history.doses[1].dose_mg"] == "row 4 (AMT)"
    assert origins["history.observations[0].symptomatic"] == "row 5 (DV)"
    assert origins["patient.weight_kg"] == "row 5 (WT)"


HEADER = "ID,TIME,AMT,DV,EVID,MDV,CMT,WT,DATE\n"
ROWS = ["1,0,300,0,1,1,1,30,2020-01-06", "1,28,0,1,0,0,3,30,2020-02-03",
        "1,28,300,0,1,1,1,30,2020-02-03"]


@pytest.mark.parametrize(("row", "field", "allowed"), [
    ("1,28,0,1,0,0,3.5,30,2020-02-03", "row 4 (CMT)", "a whole number"),
    ("1,28,0,1,0.5,0,3,30,2020-02-03", "row 4 (EVID)", "a whole number"),
    ("1,28,0,2,0,0,3,30,2020-02-03", "row 4 (DATE)", "row 2 has one"),
    ("1,1e308,0,1,0,0,3,30,", "row 4 (TIME)", "2199-12-31"),
])
def test_a_row_that_would_be_misread_is_refused_by_name(row: str, field: str,
                                                        allowed: str) -> None:
    """A code of 3.5 is not truncated to 3, a TIME past the calendar is no crash, and a
    second score of one date names the first."""
    with pytest.raises(InputError) as err:
        read_nonmem(HEADER + "\n".join([*ROWS, row]), 1)
    assert err.value.field == field and allowed in err.value.allowed, err.value


def test_a_baseline_ige_in_the_scenario_and_another_in_the_dataset_is_refused(
        tmp_path: Path) -> None:
    """The scenario says 100 IU/mL, the dataset's IGE column 700 ng/mL: one of them would be
    used silently (the label checks read IU/mL), so the dataset's row is named instead."""
    request = load_recommendation(REFERENCE)
    with_ige = request.model_copy(update={"patient": request.patient.model_copy(
        update={"baseline_ige_iu_per_ml": 289.0})})
    dataset = tmp_path / "data.csv"
    dataset.write_text(write_nonmem(with_ige), encoding="utf-8")
    scenario = tmp_path / "question.toml"
    scenario.write_text('[patient]\nweight_kg = 30\nbaseline_ige_iu_per_ml = 100\n',
                        encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_request_from(scenario, nonmem=dataset, subject_id=1)
    assert err.value.field.endswith("(IGE)") and "once" in err.value.allowed


def test_a_json_question_with_both_ige_units_is_refused_for_every_target() -> None:
    from fastapi.testclient import TestClient

    from api.main import app

    r = TestClient(app).post("/v1/recommendations", json={"patient": {
        "weight_kg": 30, "baseline_ige_iu_per_ml": 300, "baseline_ige_ng_per_ml": 100}})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["field"] == "patient.baseline_ige_ng_per_ml"
