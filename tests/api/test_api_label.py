"""Story: a script asks over HTTP what the label gives a patient, and gets the table's cell with
its source — or a 422 naming the field."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.main import app
from optimizer.label.tables import label_cells

client = TestClient(app)


def test_every_eu_cell_is_answered_at_its_upper_corner() -> None:
    for c in label_cells("eu"):
        r = client.post("/v1/label-dose", json={"weight_kg": c.weight_high_kg,
                                                "baseline_ige_iu_per_ml": c.ige_high_iu_per_ml})
        body = r.json()
        assert r.status_code == 200
        assert (body["status"], body["dose_mg"], body["interval_weeks"]) == (
            c.status, c.dose_mg, c.interval_weeks)
        assert body["source"] == c.source


def test_us_csu_and_outside_table_answers() -> None:
    r = client.post("/v1/label-dose", json={"weight_kg": 65, "baseline_ige_iu_per_ml": 650,
                                            "label": "us"})
    assert r.json()["status"] == "do_not_administer"
    r = client.post("/v1/label-dose", json={"weight_kg": 65, "label": "us",
                                            "indication": "csu"})
    assert r.json()["dose_options_mg"] == [150, 300] and r.json()["interval_weeks"] == 4
    r = client.post("/v1/label-dose", json={"weight_kg": 8, "baseline_ige_iu_per_ml": 400})
    assert r.json()["status"] == "outside_table" and r.json()["dose_mg"] is None


def test_syringes_make_up_the_dose() -> None:
    body = client.post("/v1/label-dose", json={"weight_kg": 150,
                                               "baseline_ige_iu_per_ml": 350}).json()
    assert body["dose_mg"] == 525
    assert sum(s["size_mg"] * s["count"] for s in body["syringes"]) == 525


def test_bad_requests_are_422_naming_the_field() -> None:
    r = client.post("/v1/label-dose", json={"weight_kg": 60})
    assert r.status_code == 422 and "baseline_ige_iu_per_ml" in r.text
    r = client.post("/v1/label-dose", json={"weight_kg": 60, "baseline_ige_iu_per_ml": 100,
                                            "label": "jp"})
    assert r.status_code == 422 and "label" in r.text
