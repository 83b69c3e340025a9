// doseopt clinician page: build the request from the form, post it, show the answer.
// Vanilla JS, no dependencies, no network beyond this service.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const { headers, num, list, clearErrors, showErrors } = window.doseoptForms;
  let support = null; // which optional request fields this server accepts

  async function requestFields() {
    if (support) return support;
    support = new Set();
    try {
      const res = await fetch("/openapi.json");
      const spec = await res.json();
      const props = spec.components.schemas.RecommendationRequest.properties || {};
      Object.keys(props).forEach((k) => support.add(k));
    } catch (e) { /* unknown: send only the core fields */ }
    return support;
  }

  // ---- editable rows -------------------------------------------------------------------
  function renumber(body, kind) {
    Array.from(body.rows).forEach((row, i) => {
      row.querySelectorAll("[data-label]").forEach((el) => {
        const text = el.dataset.label.replace("{n}", String(i + 1));
        if (el.tagName === "LABEL") {
          el.textContent = text;
        } else {
          el.setAttribute("aria-label", text);
        }
      });
      row.querySelectorAll("input").forEach((input) => {
        input.id = kind + "-" + (i + 1) + "-" + input.className;
      });
      row.querySelectorAll("label").forEach((label) => {
        const input = label.parentElement.querySelector("input");
        label.htmlFor = input.id;
      });
    });
  }

  function addRow(kind, date, value) {
    const body = $(kind + "-rows");
    const row = $(kind + "-row").content.firstElementChild.cloneNode(true);
    if (date) row.querySelector(".date").value = date;
    if (value !== undefined) row.querySelector(".amount").value = value;
    row.querySelector(".remove").addEventListener("click", () => {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber(body, kind);
      (next ? next.querySelector("input") : $("add-" + kind)).focus();
    });
    body.appendChild(row);
    renumber(body, kind);
    return row;
  }

  function allRows(kind) {
    return Array.from($(kind + "-rows").rows).map((row, i) => ({
      n: i + 1, row: row,
      date: row.querySelector(".date").value,
      value: row.querySelector(".amount").value.trim(),
    }));
  }

  // Filled rows only; empty rows are ignored.
  function rows(kind) { return allRows(kind).filter((r) => r.date && r.value !== ""); }

  // A half-filled row is an error the clinician must fix before submitting.
  function rowIssues() {
    const issues = [];
    [["dose", "Dose", "dose (mg)"], ["score", "Score", "score"]].forEach(([kind, name, what]) => {
      allRows(kind).forEach((r) => {
        if (!r.date !== (r.value === "")) {
          const missing = r.date ? what : "date";
          const input = r.row.querySelector(r.date ? ".amount" : ".date");
          issues.push({ message: name + " row " + r.n + ": enter the " + missing +
                        " or remove the row.", input: input });
        }
      });
    });
    return issues;
  }

  function today() {  // the clinician's local calendar date, YYYY-MM-DD
    const d = new Date();
    return [d.getFullYear(), String(d.getMonth() + 1).padStart(2, "0"),
            String(d.getDate()).padStart(2, "0")].join("-");
  }

  const byDate = (a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0);

  function buildRequest(fields) {
    const patient = { weight_kg: num("weight_kg") };
    const ref = $("patient_reference").value.trim();
    if (ref) patient.patient_reference = ref;
    const doses = $("dose_options_mg").value.split(/[\s,;]+/).filter(Boolean).map(Number);
    const body = {
      patient: patient,
      threshold_score: num("threshold_score"),
      dose_options_mg: doses,
      interval_options_days: { min: num("interval_min"), max: num("interval_max"),
                               step: num("interval_step") },
      pk: { half_life_days: num("half_life_days"), tmax_days: num("tmax_days"),
            apparent_volume_l_per_kg: num("apparent_volume_l_per_kg") },
      response: { baseline_score: num("baseline_score"), ec50_mg_per_l: num("ec50_mg_per_l"),
                  hill: num("hill") },
    };
    const prob = num("min_probability");
    if (prob !== null) body.min_probability = prob;
    const dosesGiven = rows("dose").sort(byDate), scores = rows("score").sort(byDate);
    let historySent = false;
    if ((dosesGiven.length || scores.length) && fields.has("history")) {
      body.history = {
        doses: dosesGiven.map((r) => ({ date: r.date, dose_mg: Number(r.value) })),
        observations: scores.map((r) => ({ date: r.date, score: Number(r.value) })),
      };
      historySent = true;
    }
    if ($("plan_wanted").checked && fields.has("plan")) {
      body.plan = { horizon_weeks: num("plan_horizon_weeks") };
    }
    const evaluation = $("evaluation_date").value;
    if ((historySent || body.plan) && evaluation && fields.has("evaluation_date")) {
      body.evaluation_date = evaluation;
    }
    return { body: body, historySent: historySent, anyHistory: dosesGiven.length + scores.length };
  }

  // ---- the result ------------------------------------------------------------------------
  function fill(dl, pairs) {
    dl.replaceChildren();
    pairs.forEach(([k, v]) => {
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = k; dd.textContent = v;
      dl.append(dt, dd);
    });
  }

  function nextDates(interval) {
    const dates = rows("dose").map((r) => r.date).filter(Boolean).sort();
    const out = $("next-dates");
    out.replaceChildren();
    if (!interval) { $("next-dates-note").textContent = "No interval is recommended."; return; }
    if (!dates.length) {
      $("next-dates-note").textContent =
        "Enter the date of the last dose in the dose history to see the next dates.";
      return;
    }
    const last = dates[dates.length - 1];
    const base = Date.parse(last + "T00:00:00Z");
    const fmt = new Intl.DateTimeFormat(undefined, { weekday: "short", year: "numeric",
                                                     month: "short", day: "numeric",
                                                     timeZone: "UTC" });
    const lines = [];
    for (let k = 1; k <= 6; k++) {
      const d = new Date(base + k * interval * 86400000);
      lines.push(d.toISOString().slice(0, 10) + " (" + fmt.format(d) + ")");
    }
    list(out, lines);
    $("next-dates-note").textContent =
      "Last dose " + last + " + k × " + interval + " days.";
  }

  // The answer, key figures and inputs in words, as the server writes them (the same text
  // as the printable report and the terminal).
  async function summary(out, body) {
    const res = await fetch("/page/summary", {
      method: "POST", headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify({ request: body, response: out }),
    });
    if (!res.ok) throw new Error("summary " + res.status);
    return res.json();
  }

  function historyNote(built) {
    const note = $("history-note");
    note.hidden = !(built.anyHistory && !built.historySent);
    note.textContent = "The dose and score history was not sent: this service does not fit " +
      "the patient's history yet. It sets the next dose dates and is shown here only.";
  }

  // A plot's box says it is being drawn until the image has loaded; no empty frame is shown.
  function plotPending(kind) {
    $("plot-" + kind + "-box").setAttribute("aria-busy", "true");
    $("plot-" + kind + "-status").textContent = "Drawing the plot…";
    $("plot-" + kind + "-status").hidden = false;
    $("plot-" + kind).hidden = true;
  }

  function plotDone(kind, message) {
    $("plot-" + kind + "-box").setAttribute("aria-busy", "false");
    $("plot-" + kind + "-status").textContent = message || "";
    $("plot-" + kind + "-status").hidden = !message;
    $("plot-" + kind).hidden = Boolean(message);
  }

  async function plot(id, kind, img, out) {
    const box = kind === "score" ? "score" : "conc";
    const res = await fetch("/v1/recommendations/" + id + "/plot?kind=" + kind,
                            { headers: headers() });
    if (!res.ok) { plotDone(box, "The plot could not be drawn (" + res.status + ")."); return; }
    const blob = await res.blob();
    await new Promise((resolve) => {
      img.onload = () => { plotDone(box); resolve(); };
      img.onerror = () => { plotDone(box, "The plot could not be shown."); resolve(); };
      img.src = URL.createObjectURL(blob);
    });
    const sched = out.status === "optimal" ? out.dose_mg + " mg every " + out.interval_days +
      " days" : "the closest option";
    img.alt = kind === "score"
      ? "Predicted symptom score for " + sched + ", worst-case " + out.max_score.toFixed(2) +
        " against a threshold of " + out.threshold_score + "."
      : "Predicted concentration for " + sched + ", trough against a threshold concentration of " +
        out.threshold_conc_mg_per_l.toFixed(1) + " mg/L.";
  }

  async function record(id) {
    const res = await fetch("/v1/recommendations/" + id, { headers: headers() });
    if (!res.ok) return;
    const rec = await res.json();
    const when = new Date(rec.created_utc);
    const versions = Object.entries(rec.versions).map(([k, v]) => k + " " + v).join(", ");
    fill($("record"), [
      ["Recommendation id", rec.id],
      ["Date", when.toISOString().replace("T", " ").slice(0, 19) + " UTC"],
      ["Model", "one-compartment PK with first-order absorption; sigmoid Emax score (doseopt " +
                rec.versions.doseopt + ")"],
      ["Software", versions],
      ["Solver", rec.solver.name + " " + rec.solver.version],
    ]);
  }

  function render(out, built, words) {
    const answer = $("answer");
    answer.textContent = words.answer;
    answer.className = out.status === "optimal" ? "answer" : "answer infeasible";
    nextDates(out.interval_days);
    fill($("figures"), words.figures);
    list($("warnings"), out.warnings.map((w) => "Warning: " + w.message));
    $("warnings").hidden = out.warnings.length === 0;
    list($("explanation"), out.explanation);
    window.doseoptIndividual.render(out);
    list($("assumptions"), out.assumptions);
    fill($("inputs"), words.inputs);
    historyNote(built);
    ["score", "conc"].forEach((kind) => (out.id ? plotPending(kind)
      : plotDone(kind, "Plots are drawn for stored answers only.")));
    $("result").hidden = false;
    $("result").dataset.id = out.id || "";
    $("result-title").focus();
  }

  async function submit(event) {
    event.preventDefault();
    clearErrors();
    $("submit").disabled = true;
    $("busy").textContent = "Computing…";
    try {
      const issues = rowIssues();
      if (issues.length) { showErrors(issues); $("busy").textContent = ""; return; }
      const built = buildRequest(await requestFields());
      const res = await fetch("/v1/recommendations", {
        method: "POST", headers: headers({ "Content-Type": "application/json" }),
        body: JSON.stringify(built.body),
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        const items = Array.isArray(data.detail) ? data.detail
          : [{ message: "The service answered " + res.status + "." }];
        $("result").hidden = true;
        showErrors(items);
        $("busy").textContent = "";
        return;
      }
      render(data, built, await summary(data, built.body));
      $("busy").textContent = data.id ? "Done. Drawing the plots…" : "Done.";
      if (data.id) {
        await Promise.all([plot(data.id, "score", $("plot-score"), data),
                           plot(data.id, "concentration", $("plot-conc"), data),
                           record(data.id)]);
        $("busy").textContent = "Done.";
      }
    } catch (err) {
      showErrors([{ message: "The service could not be reached: " + err.message }]);
      $("busy").textContent = "";
    } finally {
      $("submit").disabled = false;
    }
  }

  async function openReport() {
    const id = $("result").dataset.id;
    if (!id) return;
    const res = await fetch("/v1/recommendations/" + id + "/report", { headers: headers() });
    const html = await res.text();
    window.open(URL.createObjectURL(new Blob([html], { type: "text/html" })), "_blank");
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("add-dose").addEventListener("click", () => addRow("dose").querySelector("input").focus());
    $("add-score").addEventListener("click", () => addRow("score").querySelector("input").focus());
    $("question").addEventListener("submit", submit);
    $("print").addEventListener("click", () => window.print());
    $("open-report").addEventListener("click", openReport);
    $("errors").tabIndex = -1;
    addRow("dose");
    addRow("score");
    $("evaluation_date").value = today();
    requestFields();
  });
})();
