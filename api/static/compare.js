// doseopt schedule comparison page: post the schedules, show the table and the cost plot.
// Vanilla JS, no dependencies, no network beyond this service.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const { jsonHeaders, num, list, clearErrors, showErrors } = window.doseoptForms;

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
    if ($("include_optimal").checked) body.include_optimal = true;
    return body;
  }

  // ---- the result: the server writes the cells, headers and their meanings ---------------
  async function post(path, body) {
    const res = await fetch(path, { method: "POST", headers: jsonHeaders(),
                                    body: JSON.stringify(body) });
    if (!res.ok) throw new Error(path + " " + res.status);
    return res;
  }

  function table(view) {
    const head = document.createElement("tr");
    view.columns.forEach((c) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = c.header;
      th.title = c.meaning;
      head.appendChild(th);
    });
    $("rows").tHead.replaceChildren(head);
    $("rows").tBodies[0].replaceChildren(...view.rows.map((cells) => {
      const tr = document.createElement("tr");
      cells.forEach((text, i) => {
        const cell = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) cell.scope = "row";
        else cell.className = view.columns[i].field.startsWith("incremental") ? "words" : "num";
        cell.textContent = text;
        tr.appendChild(cell);
      });
      return tr;
    }));
    $("rows-caption").textContent = view.caption;
  }

  let answer = null;  // the last comparison, for the CSV download

  async function downloadCsv() {
    if (!answer) return;
    const res = await post("/page/comparison.csv", answer);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await res.blob());
    link.download = "comparison.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function plotState(message, busy) {
    $("plot-cost-box").setAttribute("aria-busy", busy ? "true" : "false");
    $("plot-cost-status").textContent = message;
    $("plot-cost-status").hidden = !message;
    $("plot-cost").hidden = Boolean(message);
  }

  async function plot(body, view) {
    plotState("Drawing the plot…", true);
    const res = await fetch("/v1/comparisons/plot?kind=cost",
                            { method: "POST", headers: jsonHeaders(), body: JSON.stringify(body) });
    if (!res.ok) { plotState("The plot could not be drawn (" + res.status + ").", false); return; }
    const img = $("plot-cost"), blob = await res.blob();
    img.alt = "Cost against share controlled for " +
      view.rows.map((cells) => cells[0]).join(", ") + ".";
    await new Promise((resolve) => {
      img.onload = () => { plotState("", false); resolve(); };
      img.onerror = () => { plotState("The plot could not be shown.", false); resolve(); };
      img.src = URL.createObjectURL(blob);
    });
  }

  async function submit(event) {
    event.preventDefault();
    clearErrors();
    $("submit").disabled = true;
    $("busy").textContent = "Comparing…";
    try {
      const body = buildRequest();
      const res = await fetch("/v1/comparisons",
                              { method: "POST", headers: jsonHeaders(), body: JSON.stringify(body) });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        $("result").hidden = true;
        showErrors(Array.isArray(data.detail) ? data.detail
          : [{ message: "The service answered " + res.status + "." }]);
        $("busy").textContent = "";
        return;
      }
      answer = data;
      const view = await (await post("/page/comparison-table", data)).json();
      table(view);
      list($("notes"), data.notes);
      list($("assumptions"), data.assumptions);
      $("result").hidden = false;
      $("result-title").focus();
      $("busy").textContent = "Done. Drawing the plot…";
      await plot(body, view);
      $("busy").textContent = "Done.";
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
    $("download-csv").addEventListener("click", downloadCsv);
  });
})();
