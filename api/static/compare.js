// doseopt schedule comparison page: post the schedules, show the table and the cost plot.
// Vanilla JS, no dependencies, no network beyond this service.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);

  function headers() {
    const h = { "Content-Type": "application/json" };
    const key = $("api_key").value.trim();
    if (key) h["X-API-Key"] = key;
    return h;
  }

  function num(id) {
    const v = $(id).value.trim();
    return v === "" ? null : Number(v);
  }

  function buildRequest() {
    const syringes = {};
    ["75", "150", "300"].forEach((size) => {
      const price = num("price_" + size);
      if (price !== null) syringes[size] = price;
    });
    const body = {
      patient: { weight_kg: num("weight_kg") },
      threshold_score: num("threshold_score"),
      schedules: $("schedules").value.split("\n").map((s) => s.trim()).filter(Boolean),
      horizon_days: num("horizon_days"),
      prices: { currency: $("currency").value.trim().toUpperCase(), syringe_price: syringes,
                visit_cost: num("visit_cost") === null ? 0 : num("visit_cost") },
    };
    const n = num("population_n");
    if (n !== null) body.population = { n: n };
    return body;
  }

  // ---- errors ----------------------------------------------------------------------------
  function clearErrors() {
    $("errors").hidden = true;
    $("errors").textContent = "";
    document.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  }

  function showErrors(items) {
    const title = document.createElement("p");
    title.textContent = "Please correct the following:";
    const ul = document.createElement("ul");
    let first = null;
    items.forEach((item) => {
      const li = document.createElement("li");
      li.textContent = item.message || String(item);
      ul.appendChild(li);
      const field = String(item.field || "").replace(/\[\d+\].*$/, "");
      document.querySelectorAll("[data-field]").forEach((el) => {
        if (field && (el.dataset.field === field || el.dataset.field.startsWith(field + ".") ||
                      field.startsWith(el.dataset.field + "."))) {
          el.setAttribute("aria-invalid", "true");
          first = first || el;
        }
      });
    });
    $("errors").replaceChildren(title, ul);
    $("errors").hidden = false;
    (first || $("errors")).focus();
  }

  // ---- the result ------------------------------------------------------------------------
  function money(x, currency) {
    if (x === null || x === undefined) return "–";
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency: currency,
                                                maximumFractionDigits: 0 }).format(x);
    } catch (e) { return currency + " " + x.toFixed(0); }
  }

  function signed(x, text) { return (x > 0 ? "+" : "") + text; }

  function columns(data) {
    const c = data.currency, pct = (x) => (100 * x).toFixed(1) + " %";
    const cols = [
      ["Schedule", (r) => r.schedule + (r.source === "optimal" ? " (optimizer)" : "")],
      ["Injections", (r) => String(r.injections)],
      ["Syringes", (r) => Object.entries(r.syringes).map(([k, v]) => v + " × " + k + " mg")
        .join(", ")],
      ["Total cost", (r) => money(r.total_cost, c)],
      ["Cost vs reference", (r) => signed(r.delta_total_cost, money(r.delta_total_cost, c))],
      ["Days above threshold", (r) => String(r.days_above_threshold)],
      ["Days controlled", (r) => pct(r.fraction_controlled)],
      ["Worst score", (r) => r.max_score.toFixed(2)],
    ];
    if (data.population) {
      cols.push(["Patients controlled", (r) => pct(r.share_controlled)],
                ["Cost per controlled patient-year",
                 (r) => money(r.cost_per_controlled_patient_year, c)],
                ["Incremental cost per controlled patient-year",
                 (r) => money(r.incremental_cost_per_controlled_patient_year, c)]);
    }
    return cols;
  }

  function table(data) {
    const cols = columns(data);
    const head = document.createElement("tr");
    cols.forEach(([name]) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = name;
      head.appendChild(th);
    });
    $("rows").tHead.replaceChildren(head);
    $("rows").tBodies[0].replaceChildren(...data.rows.map((r) => {
      const tr = document.createElement("tr");
      cols.forEach(([, value], i) => {
        const cell = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) cell.scope = "row";
        cell.textContent = value(r);
        tr.appendChild(cell);
      });
      return tr;
    }));
    const who = data.population ? " and " + data.population.n + " virtual patients" : "";
    $("rows-caption").textContent = "Over " + data.horizon_days + " days, typical patient" +
      who + "; money in " + data.currency + "; differences against " + data.reference + ".";
  }

  function list(el, lines) {
    el.replaceChildren(...lines.map((line) => {
      const li = document.createElement("li");
      li.textContent = line;
      return li;
    }));
  }

  async function plot(body, data) {
    const res = await fetch("/v1/comparisons/plot?kind=cost",
                            { method: "POST", headers: headers(), body: JSON.stringify(body) });
    if (!res.ok) throw new Error("plot " + res.status);
    $("plot-cost").src = URL.createObjectURL(await res.blob());
    $("plot-cost").alt = "Cost against share controlled for " +
      data.rows.map((r) => r.schedule + " (" + money(r.total_cost, data.currency) + ")")
        .join(", ") + ".";
  }

  async function submit(event) {
    event.preventDefault();
    clearErrors();
    $("submit").disabled = true;
    $("busy").textContent = "Comparing…";
    try {
      const body = buildRequest();
      const res = await fetch("/v1/comparisons",
                              { method: "POST", headers: headers(), body: JSON.stringify(body) });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        $("result").hidden = true;
        showErrors(Array.isArray(data.detail) ? data.detail
          : [{ message: "The service answered " + res.status + "." }]);
        $("busy").textContent = "";
        return;
      }
      table(data);
      list($("notes"), data.notes);
      list($("assumptions"), data.assumptions);
      $("result").hidden = false;
      $("result-title").focus();
      $("busy").textContent = "Done.";
      await plot(body, data);
    } catch (err) {
      showErrors([{ message: "The service could not be reached: " + err.message }]);
      $("busy").textContent = "";
    } finally {
      $("submit").disabled = false;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("errors").tabIndex = -1;
    $("comparison").addEventListener("submit", submit);
  });
})();
