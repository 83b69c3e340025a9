// doseopt dosing grid page: post the bands and the target, show the weight x IgE table, offer
// the same grid as CSV. Vanilla JS, no dependencies, no network beyond this service.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const { jsonHeaders, num, list, clearErrors } = window.doseoptForms;
  // the API's own messages, which name the band edge, beside the inputs they concern
  const showErrors = (items) => window.doseoptForms.showErrors(items, { words: false });
  const ENDPOINT = "/v1/ige-table";
  let lastBody = null;  // the request behind the table on show (the CSV repeats it)

  // "20, 25;30 40" -> [20, 25, 30, 40]; anything that is not a number is a problem to show.
  function numbers(id, field, what, problems) {
    const parts = $(id).value.split(/[\s,;]+/).filter(Boolean);
    if (parts.length === 0) {
      problems.push({ field: field, message: what + ": enter one or more numbers." });
    }
    const bad = parts.filter((p) => !Number.isFinite(Number(p)));
    if (bad.length) {
      problems.push({ field: field, message: what + ": \"" + bad.join("\", \"") +
                      "\" is not a number." });
    }
    return parts.map(Number);
  }

  function buildRequest(problems) {
    return {
      weights_kg: numbers("weights_kg", "weights_kg", "Weight band upper edges", problems),
      ige_iu_per_ml: numbers("ige_iu_per_ml", "ige_iu_per_ml",
                             "Baseline IgE band upper edges", problems),
      interval_options_days: numbers("intervals_days", "interval_options_days",
                                     "Allowed intervals", problems),
      target: {
        kind: "free_ige",
        max_ng_per_ml: num("target_ng_per_ml"),
        parameter_set: $("parameter_set").value,
        max_dose_mg: num("max_dose_mg"),
        allow_extrapolation: $("allow_extrapolation").checked,
      },
      label: $("label").value,
    };
  }

  async function problemsOf(res) {
    const data = await res.json().catch(() => ({}));
    return Array.isArray(data.detail) ? data.detail
      : [{ message: "The service answered " + res.status + "." }];
  }

  // ---- the table -------------------------------------------------------------------------
  function band(edges, i, unit) {
    const hi = String(edges[i]);
    return (i === 0 ? "≤ " + hi : "> " + String(edges[i - 1]) + "–" + hi) + " " + unit;
  }

  function th(text, scope) {
    const el = document.createElement("th");
    el.scope = scope;
    el.textContent = text;
    return el;
  }

  const AGREE = { exact: "=", one_step: "±75", differs: "≠", grid_doses_blank_cell: "≠",
                  grid_none: "≠" };

  function labelLine(cmp) {
    const line = document.createElement("span");
    line.className = "label-cell agree-" + cmp.agreement;
    line.textContent = (AGREE[cmp.agreement] || "") + " label " + cmp.label_text;
    return line;
  }

  function cellOf(c, cmp) {
    const td = document.createElement("td");
    td.className = "cell" + (c.status === "optimal" ? "" : " none") +
      (c.extrapolated ? " extrapolated" : "");
    td.dataset.weightKg = String(c.weight_kg);
    td.dataset.igeIuPerMl = String(c.baseline_ige_iu_per_ml);
    td.title = "Highest free IgE " + c.max_free_ige_ng_per_ml.toFixed(1) + " ng/mL" +
      (c.status === "optimal" ? "" : " with the closest option");
    const label = document.createElement("span");
    label.className = "dose";
    label.textContent = c.label;
    td.appendChild(label);
    if (c.extrapolated) {
      const mark = document.createElement("span");
      mark.className = "mark";
      mark.setAttribute("aria-hidden", "true");
      mark.textContent = "*";
      const said = document.createElement("span");
      said.className = "sr";
      said.textContent = " (extrapolated)";
      td.append(mark, said);
    }
    if (cmp && cmp.agreement !== "not_compared") {
      td.append(document.createElement("br"), labelLine(cmp));
    }
    return td;
  }

  function table(data) {
    const byKey = new Map(data.cells.map((c) => [c.weight_kg + "|" + c.baseline_ige_iu_per_ml,
                                                 c]));
    const lc = data.label_comparison;
    const cmpKey = new Map((lc ? lc.cells : []).map(
      (c) => [c.weight_kg + "|" + c.baseline_ige_iu_per_ml, c]));
    const head = document.createElement("tr");
    head.appendChild(th("Baseline IgE / weight", "col"));
    data.weights_kg.forEach((w, i) => head.appendChild(th(band(data.weights_kg, i, "kg"), "col")));
    $("grid").tHead.replaceChildren(head);
    $("grid").tBodies[0].replaceChildren(...data.ige_iu_per_ml.map((g, j) => {
      const tr = document.createElement("tr");
      tr.appendChild(th(band(data.ige_iu_per_ml, j, "IU/mL"), "row"));
      data.weights_kg.forEach((w) => {
        const c = byKey.get(w + "|" + g);
        tr.appendChild(c ? cellOf(c, cmpKey.get(w + "|" + g)) : document.createElement("td"));
      });
      return tr;
    }));
    const ds = data.doses_mg;
    $("grid-note").textContent = "Each cell: the longest allowed interval, and for it the " +
      "smallest dose, keeping free IgE at or below " +
      data.target_ng_per_ml + " ng/mL over the whole steady-state cycle (parameters " +
      data.parameter_set + "), for a patient at the upper edge of both bands. Doses " +
      ds[0] + "–" + ds[ds.length - 1] + " mg; intervals " + data.intervals_days.join(", ") +
      " days.";
    const none = data.cells.filter((c) => c.status !== "optimal").length;
    const extra = data.cells.filter((c) => c.extrapolated).length;
    $("elapsed").textContent = data.cells.length + " cells computed in " +
      Math.round(data.elapsed_ms) + " ms; " + extra + " extrapolated, " + none +
      " without an allowed option.";
    $("label-summary").textContent = !lc || !lc.compared ? "No cell lies inside the label's table."
      : lc.label.toUpperCase() + " label: " + lc.exact + " of " + lc.compared + " cells agree exactly (" +
        Math.round(100 * lc.share_exact) + " %), " + lc.within_one_step + " within one 75 mg step (" +
        Math.round(100 * lc.share_within_one_step) + " %); " + lc.grid_doses_blank_cell +
        " \"do not administer\" cells get a dose; " + lc.grid_none +
        " labelled cells have no grid option.";
  }

  // ---- actions ---------------------------------------------------------------------------
  async function submit(event) {
    event.preventDefault();
    clearErrors();
    const problems = [];
    const body = buildRequest(problems);
    if (problems.length) {
      $("busy").textContent = "";
      showErrors(problems);
      return;
    }
    $("submit").disabled = true;
    $("busy").textContent = "Computing the grid…";
    try {
      const res = await fetch(ENDPOINT,
                              { method: "POST", headers: jsonHeaders(), body: JSON.stringify(body) });
      if (!res.ok) {
        $("result").hidden = true;
        lastBody = null;
        showErrors(await problemsOf(res));
        $("busy").textContent = "";
        return;
      }
      const data = await res.json();
      lastBody = body;
      table(data);
      list($("assumptions"), data.assumptions);
      $("result").hidden = false;
      $("result-title").focus();
      $("busy").textContent = "Done.";
    } catch (err) {
      showErrors([{ message: "The service could not be reached: " + err.message }]);
      $("busy").textContent = "";
    } finally {
      $("submit").disabled = false;
    }
  }

  async function downloadCsv() {
    if (!lastBody) return;
    clearErrors();
    $("busy").textContent = "Preparing the CSV…";
    try {
      const res = await fetch(ENDPOINT + "?format=csv",
                              { method: "POST", headers: jsonHeaders(), body: JSON.stringify(lastBody) });
      if (!res.ok) {
        showErrors(await problemsOf(res));
        $("busy").textContent = "";
        return;
      }
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = "ige-dosing-grid.csv";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      $("busy").textContent = "CSV downloaded.";
    } catch (err) {
      showErrors([{ message: "The service could not be reached: " + err.message }]);
      $("busy").textContent = "";
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("errors").tabIndex = -1;
    $("grid-form").addEventListener("submit", submit);
    $("download-csv").addEventListener("click", downloadCsv);
    $("print").addEventListener("click", () => window.print());
  });
})();
