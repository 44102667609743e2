// chipmix what-if page: controls built from the served scenario; each change asks the
// server for the plan (POST /api/plan, exactly `chipmix plan --set ...`) and updates the
// view. A newer change aborts the older request, and the server stops its solve (the
// session header). The first plan is the baseline until another view is pinned.
"use strict";

const state = {
  file: "",
  base: [], // the server's own --set overrides, shown first in the command line
  scenario: null,
  controls: [], // {path, el, initial, text(el) -> value text}
  baseline: null,
  current: null,
  inflight: null,
  seq: 0,
  rendered: 0,
  changedAt: null,
  timer: null,
  session: Math.random().toString(36).slice(2) + Date.now().toString(36),
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

// ------------------------------------------------------------------ numbers

// Money in whole units of the scenario's currency (named in the labels), as reports show it.
function money(v) {
  if (v === null || v === undefined) return "-";
  return Math.round(v).toLocaleString("en-US");
}

// A rule of the plan's `binding` list, in words (the name itself in brackets).
function ruleText(name) {
  const words = {
    demand: "the compute demand",
    memory: "the memory demand",
    power: "the power limit",
    budget: "the total budget",
    capex_budget: "the purchase budget",
    domestic_share: "the domestic share rule",
    national_domestic_share: "the national domestic share rule",
    vendor_max_share: "the cap on one vendor's share",
  };
  const [kind, ...rest] = name.split(":");
  const arg = rest.join(":");
  let text = words[name];
  if (!text && kind === "supply") text = `the supply cap of ${arg}`;
  if (!text && kind === "min_units") text = `the minimum order of ${arg}`;
  if (!text && kind === "workload") text = `the demand of workload ${arg}`;
  return text ? `${text} (${name})` : name;
}

function signedMoney(d) {
  const s = Math.round(Math.abs(d)).toLocaleString("en-US");
  return (d > 0.5 ? "+" : d < -0.5 ? "-" : "\u00b1") + s;
}

function num(v, digits) {
  if (v === null || v === undefined) return "-";
  return v.toLocaleString("en-US", { maximumFractionDigits: digits });
}

function pct(v) {
  return v === null || v === undefined ? "-" : (100 * v).toFixed(1) + "%";
}

// A value of the scenario that may differ by year ({2025: x, 2026: y}): the first year's.
function first(v) {
  if (v !== null && typeof v === "object") {
    const keys = Object.keys(v).sort();
    return keys.length ? v[keys[0]] : null;
  }
  return v;
}

const byYear = (v) => v !== null && typeof v === "object";

// ------------------------------------------------------------------ controls

function slider(form, spec) {
  const id = "c" + state.controls.length;
  const input = el("input", {
    type: "range",
    id,
    min: spec.min,
    max: spec.max,
    step: spec.step,
    value: spec.initial,
    "data-path": spec.path,
  });
  const out = el("output", { for: id });
  const show = () => (out.textContent = spec.show(Number(input.value)));
  show();
  input.addEventListener("input", () => {
    show();
    changed(false);
  });
  input.addEventListener("change", () => changed(true));
  const row = el(
    "div",
    { class: "control" },
    el("label", { for: id, text: spec.label }),
    input,
    out,
  );
  if (spec.note) row.append(el("small", { class: "muted", text: spec.note }));
  form.append(row);
  // The browser snaps a value between steps (a quota of 0.555 shows as 0.56): the control
  // sends nothing until it is moved away from where it started, so the file's own value
  // stands until then.
  const start = input.value;
  state.controls.push({
    path: spec.path,
    el: input,
    initial: start,
    text: () => input.value,
    reset: () => {
      input.value = start;
      show();
    },
  });
}

function checkbox(form, spec) {
  const id = "c" + state.controls.length;
  const input = el("input", {
    type: "checkbox",
    id,
    checked: spec.initial,
    "data-path": spec.path,
  });
  input.addEventListener("change", () => changed(true));
  form.append(
    el("div", { class: "control check" }, input, el("label", { for: id, text: spec.label })),
  );
  state.controls.push({
    path: spec.path,
    el: input,
    initial: String(spec.initial),
    text: () => String(input.checked),
    reset: () => (input.checked = spec.initial),
  });
}

function select(form, spec) {
  const id = "c" + state.controls.length;
  const input = el("select", { id, "data-path": spec.path });
  for (const o of spec.options) input.append(el("option", { value: o, text: o, selected: o === spec.initial }));
  input.addEventListener("change", () => changed(true));
  form.append(el("div", { class: "control" }, el("label", { for: id, text: spec.label }), input));
  state.controls.push({
    path: spec.path,
    el: input,
    initial: spec.initial,
    text: () => input.value,
    reset: () => (input.value = spec.initial),
  });
}

const times = (x) => "\u00d7" + x.toFixed(2);

function relative(form, path, label, base, max) {
  const b = first(base);
  const unit = byYear(base) ? " (every year)" : "";
  slider(form, {
    path: path + "*",
    label,
    min: 0,
    max: max || 2,
    step: 0.05,
    initial: 1,
    show: (x) => times(x) + (b !== null && !byYear(base) ? " = " + num(b * x, b < 1 ? 4 : 2) : unit),
  });
}

function group(form, title) {
  const fs = el("fieldset", {}, el("legend", { text: title }));
  form.append(fs);
  return fs;
}

function share(form, path, label, rule) {
  const min = rule ? first(rule.min) : 0;
  slider(form, {
    path: path + ".min",
    label,
    min: 0,
    max: 1,
    step: 0.01,
    initial: min,
    show: (x) => Math.round(x * 100) + "%",
    note: rule && byYear(rule.min) ? "set by year in the file; moving it sets every year" : null,
  });
}

function build(sc) {
  const form = $("form");
  form.textContent = "";
  state.controls = [];
  const policy = sc.policy || {};
  const limits = sc.limits || {};
  const costs = sc.costs || {};
  const national = Array.isArray(sc.sites);

  const p = group(form, "Policy");
  if (national) {
    share(p, "policy.national_domestic_share", "National domestic share, at least", policy.national_domestic_share);
    for (const site of sc.sites) {
      if (site.domestic_share) share(p, `sites[${site.id}].domestic_share`, `${site.id}: domestic share, at least`, site.domestic_share);
    }
  } else {
    share(p, "policy.domestic_share", "Domestic share, at least", policy.domestic_share);
    select(p, {
      path: "policy.domestic_share.basis",
      label: "Counted by",
      options: ["units", "tflops", "spend"],
      initial: (policy.domestic_share && policy.domestic_share.basis) || "units",
    });
  }

  const l = group(form, "Budgets, power and energy");
  if (limits.budget !== undefined) relative(l, "limits.budget", "Total budget", limits.budget);
  if (limits.capex_budget !== undefined) relative(l, "limits.capex_budget", "Purchase budget", limits.capex_budget);
  if (limits.power_kw !== undefined) relative(l, "limits.power_kw", "Power (kW)", limits.power_kw);
  if (national && sc.sites.every((s) => s.power_kw !== undefined)) relative(l, "sites[*].power_kw", "Every site's power", null);
  if (costs.energy_price_per_kwh !== undefined) relative(l, "costs.energy_price_per_kwh", "Energy price per kWh", costs.energy_price_per_kwh, 3);
  if (national && sc.sites.every((s) => s.energy_price_per_kwh !== undefined)) relative(l, "sites[*].energy_price_per_kwh", "Every site's energy price", null, 3);

  for (const a of sc.accelerators) {
    const g = group(form, `${a.name || a.id} (${a.origin})`);
    checkbox(g, { path: `accelerators[${a.id}].available`, label: "Available to buy", initial: a.available !== false });
    relative(g, `accelerators[${a.id}].unit_price`, "Price", a.unit_price);
    if (a.max_units !== undefined && a.max_units !== null) relative(g, `accelerators[${a.id}].max_units`, "Supply cap", a.max_units);
  }
}

// The overrides of the view: the controls moved away from the file's values, in order.
function sets() {
  const out = [];
  for (const c of state.controls) {
    const v = c.text();
    if (v !== c.initial) out.push([c.path, v]);
  }
  return out;
}

function quote(arg) {
  // Safe unquoted in every shell: no glob characters (`*`, `?`, `[`), no spaces or quotes.
  return /^[A-Za-z0-9_.,:\/=+@%-]+$/.test(arg) ? arg : "'" + arg.replace(/'/g, "'\\''") + "'";
}

function commandLine(view) {
  const parts = ["chipmix", "plan", quote(state.file)];
  for (const s of state.base) parts.push("--set", quote(s));
  for (const [k, v] of view) parts.push("--set", quote(k + "=" + v));
  return parts.join(" ");
}

function reportHref(view) {
  const q = view.map(([k, v]) => "set=" + encodeURIComponent(k + "=" + v)).join("&");
  return "/api/report" + (q ? "?" + q : "");
}

// ------------------------------------------------------------------ solving

function changed(now) {
  state.changedAt = performance.now();
  clearTimeout(state.timer);
  if (now) solve();
  else state.timer = setTimeout(solve, 60);
}

async function solve() {
  const view = sets();
  const seq = ++state.seq;
  const changedAt = state.changedAt;
  if (state.inflight) state.inflight.abort();
  const ctl = new AbortController();
  state.inflight = ctl;
  setStatus("solving", "Solving...");
  $("cli").textContent = commandLine(view);
  $("report-link").setAttribute("href", reportHref(view));
  let res, body;
  try {
    res = await fetch("/api/plan", {
      method: "POST",
      headers: { "content-type": "application/json", "x-chipmix-session": state.session },
      body: JSON.stringify({ set: Object.fromEntries(view) }),
      signal: ctl.signal,
    });
    body = await res.text();
  } catch (e) {
    if (e.name === "AbortError") return;
    if (seq === state.seq) setStatus("error", "The server did not answer: " + e.message);
    return;
  }
  if (seq !== state.seq || res.status === 409) return; // a newer view is on its way
  if (!res.ok) {
    let msg = body;
    try {
      msg = JSON.parse(body).error;
    } catch (_) {}
    setStatus("error", msg);
    return;
  }
  const plan = JSON.parse(body);
  // The headline keeps the text of the JSON, to the cent, as `chipmix plan` prints it.
  const m = body.match(/"total_cost":\s*(null|-?[0-9.eE+-]+)/);
  plan._total_text = m ? m[1] : "";
  state.current = plan;
  if (!state.baseline) state.baseline = plan;
  render(plan, view, seq, changedAt);
}

function setStatus(kind, text) {
  const s = $("status");
  s.dataset.state = kind;
  s.textContent = text;
}

// ------------------------------------------------------------------ the view

// Units bought per row: per accelerator for loose cards; a whole system (section 6) is a
// row of its own, counted in systems and named with its cards, as the plan's tables do.
function unitsById(plan) {
  const m = new Map();
  const cards = new Map(((state.scenario && state.scenario.systems) || []).map((s) => [s.id, s.cards]));
  for (const p of plan.purchases || []) {
    const key = p.system ? `${p.id} (${p.system})` : p.id;
    const name = p.system
      ? `${p.name || p.id} (${p.system}${cards.has(p.system) ? " x" + cards.get(p.system) : ""})`
      : p.name || p.id;
    const r = m.get(key) || { id: key, name, origin: p.origin, units: 0, cost: 0 };
    r.units += p.units;
    r.cost += p.cost;
    m.set(key, r);
  }
  return m;
}

// Shows `plan`, the answer to request `seq` (the view `view`, changed at `changedAt`).
// The status says "ready" and the latency is measured only while no newer request is out.
function render(plan, view, seq, changedAt) {
  const base = state.baseline;
  const has = plan.total_cost !== null && plan.total_cost !== undefined;
  const maxPflops = plan.objective === "max_pflops";
  const cur = state.scenario.currency;
  $("headline-label").textContent = maxPflops
    ? "Compute (PFLOPS)"
    : plan.risk === "worst_case"
      ? `Worst cost over the futures (${cur})`
      : plan.futures
        ? `Expected cost over the futures (${cur})`
        : `Total cost (${cur})`;
  for (const e of document.querySelectorAll(".currency")) e.textContent = cur;
  const total = $("total");
  total.dataset.value = plan._total_text;
  total.textContent = maxPflops ? num(plan.pflops, 2) : money(plan.total_cost);
  const delta = $("delta");
  if (has && base && base.total_cost !== null && base !== plan) {
    delta.textContent = maxPflops
      ? "vs baseline " + (plan.pflops - base.pflops >= 0 ? "+" : "") + num(plan.pflops - base.pflops, 2)
      : "vs baseline " + signedMoney(plan.total_cost - base.total_cost);
  } else delta.textContent = base === plan ? "baseline" : "";
  $("capex").textContent = money(plan.capex);
  $("adoption").textContent = money(plan.adoption);
  $("opex").textContent = money(plan.opex);
  // Only with costs.residual_value: a credit the total already subtracts.
  const credited = has && plan.residual !== undefined && plan.residual !== null;
  $("residual-kpi").hidden = !credited;
  $("residual").textContent = credited ? "\u2212" + money(plan.residual) : "-";
  // Only where some site has the rule (the energy discount) or may change its installed
  // fleet (removals and moves).
  const discounted = has && plan.energy_discount !== undefined && plan.energy_discount !== null;
  $("discount-kpi").hidden = !discounted;
  $("discount").textContent = discounted ? "\u2212" + money(plan.energy_discount) : "-";
  const changed = has && plan.removal !== undefined && plan.removal !== null;
  $("removal-kpi").hidden = !changed;
  $("removal").textContent = changed ? money(plan.removal) : "-";
  $("pflops").textContent = has ? num(plan.pflops, 1) + " PFLOPS" : "-";
  const sh = plan.domestic_share;
  $("share").textContent = sh ? pct(sh.value) : "-";
  $("share-rule").textContent = sh
    ? `rule: ${sh.strict ? ">" : "\u2265"} ${pct(sh.min)} by ${sh.basis}`
    : "";

  const msgs = $("messages");
  msgs.textContent = "";
  if (!plan.status || !["optimal", "feasible"].includes(plan.status)) {
    msgs.append(el("p", { class: "bad", text: `No plan: ${plan.status}.` }));
  } else if (plan.status === "feasible") {
    msgs.append(el("p", { class: "warn", text: `Best plan found within the time limit; it may be up to ${pct(plan.gap)} from the optimum.` }));
  }
  const notes = (plan.conflicts || []).concat(plan.message ? [plan.message] : []);
  if (notes.length) msgs.append(el("ul", {}, ...notes.map((c) => el("li", { text: c }))));
  for (const w of plan.warnings || []) msgs.append(el("p", { class: "muted", text: "warning: " + w }));

  const now = unitsById(plan);
  const was = base ? unitsById(base) : new Map();
  const ids = [...new Set([...was.keys(), ...now.keys()])];
  const tbody = $("purchases").querySelector("tbody");
  tbody.textContent = "";
  for (const id of ids) {
    const r = now.get(id) || { ...was.get(id), units: 0, cost: 0 };
    const b = was.get(id);
    const d = r.units - (b ? b.units : 0);
    tbody.append(
      el(
        "tr",
        { "data-id": id },
        el("th", { scope: "row", text: r.name }),
        el("td", { text: r.origin }),
        el("td", { class: "num", text: num(r.units, 0) }),
        el("td", { class: "num", text: b ? num(b.units, 0) : "0" }),
        el("td", { class: "num " + (d > 0 ? "up" : d < 0 ? "down" : ""), text: d === 0 ? "" : (d > 0 ? "+" : "") + num(d, 0) }),
        el("td", { class: "num", text: money(r.cost) }),
      ),
    );
  }
  chart(ids, now, was);
  $("purchases").querySelector("caption").textContent = plan.futures
    ? "Units ordered now, common to every future, by accelerator (a whole system is its own row, in systems)"
    : "Units bought, by accelerator (all sites and years; a whole system is its own row, in systems)";

  // With futures (section 7): each future's cost and its own later purchases.
  const futures = has ? plan.futures || [] : [];
  $("futures").hidden = futures.length === 0;
  const fbody = $("futures").querySelector("tbody");
  fbody.textContent = "";
  for (const f of futures) {
    const later = [...unitsById({ purchases: f.purchases || [] }).values()]
      .map((r) => `${r.name} ${num(r.units, 0)}`)
      .join("; ");
    const regret = plan.regret ? plan.regret[f.id] : null;
    fbody.append(
      el(
        "tr",
        { "data-id": f.id },
        el("th", { scope: "row", text: f.id }),
        el("td", { class: "num", text: pct(f.probability) }),
        el("td", { class: "num", text: money(f.total_cost) }),
        el("td", { class: "num", text: money(regret) }),
        el("td", { text: later || "nothing" }),
      ),
    );
  }

  const removals = has ? plan.removals || [] : [];
  $("removals").hidden = removals.length === 0;
  const rbody = $("removals").querySelector("tbody");
  rbody.textContent = "";
  for (const r of removals) {
    rbody.append(
      el(
        "tr",
        {},
        el("td", { text: r.site || "" }),
        el("td", { text: r.period === undefined || r.period === null ? "" : String(r.period) }),
        el("td", { text: r.id }),
        el("td", { class: "num", text: num(r.units, 0) }),
        el("td", { text: r.moved_to ? `moved to ${r.moved_to}` : "taken out" }),
        el("td", { class: "num", text: money(r.cost) }),
      ),
    );
  }

  const bind = $("binding");
  bind.textContent = "";
  for (const b of plan.binding || []) bind.append(el("li", { text: ruleText(b) }));
  for (const n of plan.near_limit || []) {
    const where = [n.site, n.period].filter((x) => x !== undefined && x !== null).join(", ");
    bind.append(
      el("li", {
        class: "muted",
        text: `near its limit: ${ruleText(n.constraint)}${where ? " at " + where : ""}, ${num(n.value, 3)} against ${num(n.limit, 3)} ${n.unit || ""}`.trim(),
      }),
    );
  }
  if (!bind.children.length) bind.append(el("li", { class: "muted", text: "none" }));

  state.rendered += 1;
  document.body.dataset.rendered = String(state.rendered);
  requestAnimationFrame(() => {
    if (seq !== state.seq) return; // a newer view is on its way; this one is not the answer
    const ms = changedAt === null || changedAt === undefined ? null : performance.now() - changedAt;
    const lat = $("latency");
    lat.dataset.ms = ms === null ? "" : ms.toFixed(1);
    lat.textContent = ms === null ? "" : `updated ${ms.toFixed(0)} ms after the change`;
    const n = view.length;
    setStatus("ready", `${plan.status} \u00b7 ${n === 0 ? "the file as written" : n === 1 ? "1 change from the file" : n + " changes from the file"}`);
  });
}

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// Units per accelerator: a bar for this view, a thin outline for the baseline.
function chart(ids, now, was) {
  const box = $("chart");
  box.textContent = "";
  if (!ids.length) return;
  const row = 26, left = 190, width = 640, right = 80;
  const maxUnits = Math.max(1, ...ids.map((i) => Math.max(now.get(i)?.units || 0, was.get(i)?.units || 0)));
  const s = svg("svg", { viewBox: `0 0 ${left + width + right} ${ids.length * row + 8}`, role: "img" });
  s.append(svg("title", {}, "Units per accelerator, this view (filled) against the baseline (outline)"));
  ids.forEach((id, k) => {
    const r = now.get(id) || was.get(id);
    const y = 4 + k * row;
    const u = now.get(id)?.units || 0;
    const b = was.get(id)?.units || 0;
    s.append(svg("text", { x: left - 8, y: y + 16, "text-anchor": "end", class: "axis" }, r.name));
    s.append(svg("rect", { x: left, y: y + 3, width: (width * u) / maxUnits, height: row - 8, class: r.origin === "domestic" ? "domestic" : "foreign" }));
    s.append(svg("rect", { x: left, y: y + 1, width: (width * b) / maxUnits, height: row - 4, class: "baseline" }));
    s.append(svg("text", { x: left + (width * Math.max(u, b)) / maxUnits + 6, y: y + 16, class: "axis" }, num(u, 0)));
  });
  box.append(s);
}

// ------------------------------------------------------------------ start

async function start() {
  $("reset").addEventListener("click", () => {
    for (const c of state.controls) c.reset();
    changed(true);
  });
  $("pin").addEventListener("click", () => {
    if (state.current) {
      state.baseline = state.current;
      render(state.current, sets(), state.seq, null);
    }
  });
  $("copy").addEventListener("click", async () => {
    const text = $("cli").textContent;
    try {
      await navigator.clipboard.writeText(text);
      $("copy").textContent = "Copied";
    } catch (_) {
      const r = document.createRange();
      r.selectNodeContents($("cli"));
      getSelection().removeAllRanges();
      getSelection().addRange(r);
      $("copy").textContent = "Selected: press Ctrl+C";
    }
    setTimeout(() => ($("copy").textContent = "Copy the command"), 2000);
  });
  let body;
  try {
    const res = await fetch("/api/scenario");
    body = await res.json();
    if (!res.ok) throw new Error(body.error);
  } catch (e) {
    setStatus("error", "Cannot load the scenario: " + e.message);
    return;
  }
  state.file = body.file;
  state.base = body.overrides || [];
  state.scenario = body.scenario;
  $("name").textContent = body.scenario.name;
  document.title = body.scenario.name + " - chipmix what-if";
  $("file").textContent = commandLine([]).replace(/^chipmix plan /, "");
  build(body.scenario);
  solve();
}

document.addEventListener("DOMContentLoaded", start);
