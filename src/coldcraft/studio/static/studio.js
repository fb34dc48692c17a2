// coldcraft studio: the live parts. Pages work as plain links and forms; this makes them live.
"use strict";
(function () {
  const csrf = () => document.body.dataset.csrf || "";

  // POST JSON (or a form) with the session cookie and the CSRF header; resolves to JSON.
  async function post(url, body) {
    const init = { method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf(), "Accept": "application/json" } };
    if (body instanceof FormData) init.body = body;
    else { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body || {}); }
    const reply = await fetch(url, init);
    const data = await reply.json().catch(() => ({}));
    if (!reply.ok) throw new Error(data.error || reply.statusText);
    return data;
  }
  window.studio = { post };

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A verdict ({passed, issues:[{rule, message, severity}], missing_fields}) into a container.
  function showVerdict(box, verdict) {
    box.replaceChildren();
    if (verdict.error) { box.append(el("p", { class: "error" }, verdict.error)); return; }
    box.append(el("p", { class: verdict.passed ? "ok" : "error" },
      verdict.passed ? "Passes the judge" : "Fails the judge"));
    const list = el("ul", { class: "issues" });
    for (const issue of verdict.issues || []) {
      const where = issue.line ? ` (line ${issue.line}, column ${issue.column})` : "";
      list.append(el("li", { class: issue.severity === "error" ? "error" : "warn" },
        `${issue.rule}: ${issue.message}${where}`));
    }
    for (const name of verdict.missing_fields || []) {
      list.append(el("li", { class: "error" }, `missing field: ${name}`));
    }
    if (list.children.length) box.append(list);
  }

  // Live checks: a form with data-live="<url>" posts its fields as you type and shows the verdict.
  function liveForm(form) {
    const box = document.getElementById(form.dataset.liveTarget);
    let timer = null, seq = 0;
    const check = () => {
      const mine = ++seq;
      const fields = {};
      for (const input of form.querySelectorAll("[data-live-field]")) fields[input.name] = input.value;
      box.setAttribute("aria-busy", "true");
      post(form.dataset.live, fields)
        .then((verdict) => { if (mine === seq) showVerdict(box, verdict); })
        .catch((err) => { if (mine === seq) showVerdict(box, { error: err.message }); })
        .finally(() => box.removeAttribute("aria-busy"));
    };
    form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 250); });
  }
  document.querySelectorAll("form[data-live]").forEach(liveForm);

  // Run progress over the run's event stream: [data-run-stream="<url>"].
  function follow(box) {
    const bar = box.querySelector("progress");
    const label = box.querySelector("[data-run-label]");
    const cost = box.querySelector("[data-run-cost]");
    const source = new EventSource(box.dataset.runStream);
    const update = (event) => {
      const run = JSON.parse(event.data).run;
      if (!run) return;
      if (bar) { bar.max = Math.max(run.progress.total, 1); bar.value = run.progress.done + run.progress.failed; }
      if (label) label.textContent = `${run.status}: ${run.progress.done} done, ${run.progress.failed} failed of ${run.progress.total}`;
      if (cost) cost.textContent = `$${Number(run.usage.cost_usd || 0).toFixed(4)} (${run.usage.requests} requests)`;
      box.dispatchEvent(new CustomEvent("run-progress", { detail: run, bubbles: true }));
    };
    source.addEventListener("progress", update);
    source.addEventListener("end", (event) => {
      update(event);
      source.close();
      box.classList.remove("working");
      box.dispatchEvent(new CustomEvent("run-end", { detail: JSON.parse(event.data).run, bubbles: true }));
      if (box.dataset.reloadOnEnd !== undefined) window.location.reload();
    });
    source.onerror = () => { if (label) label.textContent += " (connection lost, reload to retry)"; source.close(); };
  }
  document.querySelectorAll("[data-run-stream]").forEach(follow);

  // Examples appear as they are written: refresh the list fragment on each progress event.
  document.querySelectorAll("[data-refresh-on-progress]").forEach((target) => {
    let last = -1;
    document.addEventListener("run-progress", async (event) => {
      const done = event.detail.progress.done + event.detail.progress.failed;
      if (done === last) return;
      last = done;
      const reply = await fetch(target.dataset.refreshOnProgress, { credentials: "same-origin" });
      if (reply.ok) target.innerHTML = await reply.text();  // server-rendered, escaped HTML
    });
  });

  // Forms that take a moment show that they are working (the chat turn, a launch).
  document.querySelectorAll("form[data-working]").forEach((form) => {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; button.classList.add("working"); button.textContent = form.dataset.working; }
    });
  });

  // Forms that ask first: data-confirm="<question>".
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // Keyboard shortcuts: elements with data-key="<name>"; the page lists them.
  const keymap = { j: "next", k: "prev", a: "approve", r: "reject", e: "edit", g: "regenerate",
    o: "restore", u: "up", n: "next-page", p: "prev-page", "?": "help" };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) {
      if (event.key === "Escape") target.blur();
      return;
    }
    const name = keymap[event.key];
    if (!name) return;
    const action = document.querySelector(`[data-key="${name}"]`);
    if (!action) return;
    event.preventDefault();
    if (action.tagName === "TEXTAREA" || action.tagName === "INPUT") action.focus();
    else if (action.tagName === "DETAILS") { action.open = true; const f = action.querySelector("textarea, input:not([type=hidden])"); if (f) f.focus(); }
    else action.click();
  });
})();
