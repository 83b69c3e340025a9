// doseopt forms: what every page shares — the API-key header, reading numbers, and errors
// shown beside the fields they name. Vanilla JS, no dependencies. Loaded before each page's
// own script, which reads these as `doseoptForms.<name>`.
"use strict";

window.doseoptForms = (function () {
  const $ = (id) => document.getElementById(id);
  const FIELD_INPUT = "input, select, textarea";

  // Request headers: `extra` plus the API key typed on the page, if any.
  function headers(extra) {
    const h = Object.assign({}, extra || {});
    const key = $("api_key").value.trim();
    if (key) h["X-API-Key"] = key;
    return h;
  }

  function jsonHeaders() {
    return headers({ "Content-Type": "application/json" });
  }

  // The number typed in an input, or null when it is empty.
  function num(id) {
    const v = $(id).value.trim();
    return v === "" ? null : Number(v);
  }

  function list(el, lines) {
    el.replaceChildren(...lines.map((line) => {
      const li = document.createElement("li");
      li.textContent = line;
      return li;
    }));
  }

  function clearErrors() {
    $("errors").hidden = true;
    $("errors").textContent = "";
    document.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    document.querySelectorAll(".field-error").forEach((el) => {
      el.hidden = true;
      el.textContent = "";
    });
  }

  // The label the user sees for a request field ("patient.weight_kg" -> "Body weight (kg)"),
  // read from the form itself so messages and labels always agree.
  function labelFor(field) {
    const path = String(field || "").replace(/\[\d+\]/g, "");
    let best = null;
    document.querySelectorAll("[data-field]").forEach((el) => {
      const f = el.dataset.field;
      if ((path === f || path.startsWith(f + ".")) && (!best || f.length > best.dataset.field.length)) {
        best = el;
      }
    });
    if (!best) return null;
    const label = best.id ? document.querySelector("label[for='" + best.id + "']") : null;
    const text = label ? label.firstChild.textContent : best.closest("fieldset")
      ?.querySelector("legend")?.textContent;
    return text ? text.trim() : null;
  }

  // One line in the user's words: the field's label, what was entered, what is allowed.
  function inWords(item) {
    if (item.input || !item.field) return item.message || String(item);
    const label = labelFor(item.field);
    if (!label) return item.message || String(item);
    const v = item.value;
    const shown = v === null || v === undefined || v === "" ? "is missing"
      : typeof v === "object" ? "is not valid" : "is " + v;
    return label + " " + shown + "; allowed: " + item.allowed + ".";
  }

  // The inputs an error belongs to: data-field (or one of the names in data-also) equal to
  // the field, above it or below it in the request's dotted path.
  function inputsFor(field) {
    const name = String(field || "").replace(/\[\d+\].*$/, "");
    if (!name) return [];
    const found = [];
    document.querySelectorAll("[data-field]").forEach((el) => {
      const names = [el.dataset.field].concat((el.dataset.also || "").split(/\s+/));
      if (names.some((n) => n && (n === name || name.startsWith(n + ".") ||
                                  n.startsWith(name + ".")))) {
        const input = el.matches(FIELD_INPUT) ? el : el.querySelector(FIELD_INPUT);
        if (input) found.push(input);
      }
    });
    return found;
  }

  // The note beside an input that shows its error (`#<id>-error`): the page's own, or one
  // made right under the input, so an error is read where the eye is, not only in the box.
  function noteFor(el) {
    if (!el.id) return null;
    let note = $(el.id + "-error");
    if (!note) {
      note = document.createElement("span");
      note.className = "field-error";
      note.id = el.id + "-error";
      note.hidden = true;
      el.insertAdjacentElement("afterend", note);   // in the same cell of the form's grid
      const described = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      el.setAttribute("aria-describedby", described.concat(note.id).join(" "));
    }
    return note;
  }

  // The error box, each problem in a line, and every input it names marked invalid (with its
  // note beside it, `#<id>-error`); focus moves to the first. Items are the
  // API's `{field, value, allowed, message}` or a page's own `{message, input}`; `words: false`
  // shows the API's message as it is instead of the label-based line.
  function showErrors(items, options) {
    const words = !options || options.words !== false;
    const title = document.createElement("p");
    title.textContent = "Please correct the following:";
    const ul = document.createElement("ul");
    let first = null;
    items.forEach((item) => {
      const message = words ? inWords(item) : item.message || String(item);
      const li = document.createElement("li");
      li.textContent = message;
      ul.appendChild(li);
      const inputs = item.input ? [item.input] : inputsFor(item.field);
      inputs.forEach((el) => {
        const box = el.closest("details");
        if (box) box.open = true;
        el.setAttribute("aria-invalid", "true");
        const note = noteFor(el);
        if (note) {
          note.textContent = (note.textContent ? note.textContent + " " : "") + message;
          note.hidden = false;
        }
        first = first || el;
      });
    });
    $("errors").replaceChildren(title, ul);
    $("errors").hidden = false;
    (first || $("errors")).focus();
  }

  return { $, headers, jsonHeaders, num, list, clearErrors, labelFor, inWords, inputsFor,
           showErrors };
})();
