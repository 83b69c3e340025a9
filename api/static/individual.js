// doseopt clinician page: the patient's own results (fit, probability of control,
// transition plan, missed-dose advice). Shown only when the answer carries them.
"use strict";

window.doseoptIndividual = (function () {
  const $ = (id) => document.getElementById(id);
  const { list } = window.doseoptForms;

  const NAMES = {
    ec50_mg_per_l: ["EC50", " mg/L"],
    baseline_score: ["Untreated score", ""],
    clearance_factor: ["Clearance (× population)", ""],
    hill: ["Hill coefficient", ""],
  };

  function fmt(x) {
    const a = Math.abs(x);
    return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
  }

  function cells(tr, values) {
    values.forEach((v, i) => {
      const cell = document.createElement(i === 0 ? "th" : "td");
      if (i === 0) cell.scope = "row";
      cell.textContent = v;
      tr.appendChild(cell);
    });
  }

  // How far the data moved a parameter, in words a clinician can read.
  function moved(p) {
    const shift = p.shift_prior_sd;
    const dir = Math.abs(shift) < 0.1 ? "not moved" : shift > 0 ? "up" : "down";
    const spread = p.sd_ratio > 0.95 ? "the data barely narrowed it"
      : "uncertainty " + (100 * p.sd_ratio).toFixed(0) + " % of the prior's";
    return (dir === "not moved" ? "not moved" : dir + " " + Math.abs(shift).toFixed(2) +
            " prior SD") + "; " + spread;
  }

  function fit(f) {
    const box = $("fit-box");
    box.hidden = !f;
    if (!f) return;
    const label = { fitted: "Fitted", prior: "Population prior only",
                    not_converged: "Fit did not converge: population prior used" }[f.status];
    $("fit-status").textContent = label + ". " + f.message + " Probabilities use " +
      f.samples + " parameter sets drawn from the " + f.samples_from + ".";
    const body = $("fit-table").tBodies[0];
    body.replaceChildren();
    f.parameters.forEach((p) => {
      const [name, unit] = NAMES[p.name] || [p.name, ""];
      const tr = document.createElement("tr");
      cells(tr, [name, fmt(p.estimate) + unit, fmt(p.lower_95) + "–" + fmt(p.upper_95) + unit,
                 fmt(p.prior_median) + unit, moved(p)]);
      body.appendChild(tr);
    });
    $("fit-table").hidden = f.parameters.length === 0;
    const odd = f.unexplained_observations;
    $("fit-unexplained").textContent = odd.length
      ? "Observations the fitted model finds improbable (below 5 %), please review: " +
        odd.join(", ") + "."
      : "Every observation is consistent with the fitted model.";
  }

  function planStatus(p) {
    if (p.status === "optimal") {
      return "Proven optimal: " + p.injections + " injection(s) in the horizon (a simple " +
        "step-by-step plan needs " + p.greedy_injections + ").";
    }
    if (p.status === "time_limit") {
      const gap = p.mip_gap === null ? "unknown" : (100 * p.mip_gap).toFixed(1) + " %";
      return "Best plan found within the time limit, not proven optimal (gap " + gap + "): " +
        p.injections + " injection(s).";
    }
    return "No plan meets the constraints; the doses below are the closest found.";
  }

  function plan(p) {
    const box = $("plan-box");
    box.hidden = !p;
    if (!p) return;
    const over = p.days_above_threshold.length
      ? " Predicted above the threshold on " + p.days_above_threshold.length + " day(s), " +
        "first " + p.days_above_threshold[0] + "."
      : " Predicted score stays at or below the threshold (worst " + p.max_score.toFixed(2) +
        ").";
    $("plan-status").textContent = "From " + p.start_date + " towards every " +
      p.target_interval_days + " days. " + planStatus(p) + over;
    const checks = new Set(p.checkpoints.map((c) => c.date));
    const body = $("plan-table").tBodies[0];
    body.replaceChildren();
    p.doses.forEach((d) => {
      const tr = document.createElement("tr");
      cells(tr, [d.date, String(d.interval_days), String(d.dose_mg),
                 checks.has(d.date) ? "yes" : ""]);
      body.appendChild(tr);
    });
    list($("plan-checkpoints"), p.checkpoints.map((c) => "Score check " + c.date +
      " (predicted " + c.predicted_score.toFixed(2) + "): " + c.reason));
    list($("plan-notes"), p.notes);
  }

  function missed(m) {
    $("missed-box").hidden = !m;
    if (m) list($("missed-advice"), m.advice);
  }

  function render(out) {
    fit(out.fit || null);
    plan(out.plan || null);
    missed(out.missed_dose || null);
  }

  return { render: render };
})();
