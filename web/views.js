// The dashboard's views besides the board: the graph (layers, critical path, zoom
// and pan, grouped past GRAPH_LIMIT), agents (health from heartbeats, tokens and cost),
// mail, reservations and leases (time left ticking), memory, the quality gates
// (baseline, latest snapshot, regressions, trend), and run progress.

import { $, GRAPH_LIMIT, ago, api, app, duration, h, s, unavailable, when } from './core.js';

// ---- graph

export const graph = { k: 1, x: 20, y: 20, bounds: null };

export function applyGraphTransform() {
  $('graph-layer').setAttribute('transform', `translate(${graph.x},${graph.y}) scale(${graph.k})`);
}

export function fitGraph() {
  const b = graph.bounds;
  const svg = $('graph');
  if (!b) return;
  const w = svg.clientWidth || 800;
  const hgt = svg.clientHeight || 600;
  graph.k = Math.min(1, Math.max(0.02, Math.min(w / (b.w + 40), hgt / (b.h + 40))));
  graph.x = 20;
  graph.y = 20;
  applyGraphTransform();
}

export function setupGraphControls() {
  const svg = $('graph');
  svg.addEventListener('wheel', (e) => {
    e.preventDefault();
    const r = svg.getBoundingClientRect();
    const px = e.clientX - r.left;
    const py = e.clientY - r.top;
    const f = Math.exp(-e.deltaY * 0.0015);
    const k = Math.min(8, Math.max(0.01, graph.k * f));
    graph.x = px - (px - graph.x) * (k / graph.k);
    graph.y = py - (py - graph.y) * (k / graph.k);
    graph.k = k;
    applyGraphTransform();
  }, { passive: false });
  let pan = null;
  svg.addEventListener('pointerdown', (e) => {
    pan = { x: e.clientX, y: e.clientY, gx: graph.x, gy: graph.y };
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener('pointermove', (e) => {
    if (!pan) return;
    graph.x = pan.gx + e.clientX - pan.x;
    graph.y = pan.gy + e.clientY - pan.y;
    applyGraphTransform();
  });
  const end = () => { pan = null; };
  svg.addEventListener('pointerup', end);
  svg.addEventListener('pointercancel', end);
  $('graph-fit').addEventListener('click', fitGraph);
}

// Up to GRAPH_LIMIT tasks, each task with its dependencies; a larger plan at a glance
// (GET /api/graph/summary): tasks grouped under their ancestors, with the dependencies
// between groups and the critical path through them.
export async function loadGraph() {
  let sum;
  try {
    sum = await api('/api/graph/summary?max_groups=' + GRAPH_LIMIT);
    if (sum.tasks <= GRAPH_LIMIT) return drawTasks(await api('/api/graph'));
  } catch (e) {
    $('graph-layer').replaceChildren();
    $('graph-info').textContent = e.message;
    return;
  }
  const stateOf = (c) => c.failed ? 'failed' : c.claimed ? 'claimed' : c.completed === c.total ? 'completed' : 'pending';
  const nodes = sum.groups.map((gr) => ({
    id: gr.id, label: `${gr.title || gr.id} (${gr.leaves.completed}/${gr.leaves.total})`,
    depth: gr.depth, state: stateOf(gr.leaves), leaf: false,
  }));
  const edges = sum.links.map((l) => [l.from, l.to]);
  drawGraph(nodes, edges, new Set(sum.critical_path), sum.critical_path);
  $('graph-info').textContent = `${sum.tasks} tasks, shown as ${nodes.length} groups` +
    ` · critical path ${sum.critical_length} min through ${sum.critical_path.length} groups`;
}

async function drawTasks(g) {
  const rows = g.tasks || [];
  const critical = g.critical_path || [];
  const nodes = rows.map((r) => ({ id: r.id, label: r.title || r.id, depth: r.depth || 0, state: r.state, leaf: r.leaf }));
  let deps = new Map();
  try {
    const list = await api('/api/tasks?limit=' + GRAPH_LIMIT);
    deps = new Map((list.tasks || []).map((t) => [t.id, t.depends || []]));
  } catch { /* nodes without edges */ }
  const edges = [];
  for (const n of nodes) for (const d of deps.get(n.id) || []) edges.push([d, n.id]);
  drawGraph(nodes, edges, new Set(critical), critical);
  $('graph-info').textContent = `${rows.length} tasks` +
    ` · critical path ${g.critical_length ?? '?'} min over ${critical.length} tasks`;
}

export function drawGraph(nodes, edges, onPath, path) {
  const W = 180, H = 26, GX = 240, GY = 34;
  const layers = new Map();
  for (const n of nodes) {
    if (!layers.has(n.depth)) layers.set(n.depth, []);
    const layer = layers.get(n.depth);
    n.x = n.depth * GX;
    n.y = layer.length * GY;
    layer.push(n);
  }
  const at = new Map(nodes.map((n) => [n.id, n]));
  const critEdges = new Set();
  for (let i = 1; i < path.length; i++) critEdges.add(path[i - 1] + '\n' + path[i]);
  const edgeEls = [];
  const seen = new Set();
  const allEdges = edges.concat([...critEdges].map((k) => k.split('\n')));
  for (const [a, b] of allEdges) {
    const k = a + '\n' + b;
    const na = at.get(a);
    const nb = at.get(b);
    if (!na || !nb || seen.has(k)) continue;
    seen.add(k);
    const x1 = na.x + W, y1 = na.y + H / 2, x2 = nb.x, y2 = nb.y + H / 2;
    const mx = (x1 + x2) / 2;
    edgeEls.push(s('path', { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, class: critEdges.has(k) ? 'edge critical' : 'edge' }));
  }
  const nodeEls = nodes.map((n) => {
    const label = n.label.length > 26 ? n.label.slice(0, 25) + '…' : n.label;
    const el = s('g', { class: `node ${n.state}${onPath.has(n.id) ? ' critical' : ''}`, transform: `translate(${n.x},${n.y})` },
      s('rect', { width: W, height: H, rx: 4 }),
      s('text', { x: 6, y: 17 }, label),
      s('title', {}, `${n.id} · ${n.state}\n${n.label}`));
    if (!n.id.includes('\n')) el.addEventListener('dblclick', () => app.open(n.id));
    return el;
  });
  const maxDepth = Math.max(0, ...nodes.map((n) => n.depth));
  const maxRows = Math.max(1, ...[...layers.values()].map((l) => l.length));
  graph.bounds = { w: (maxDepth + 1) * GX, h: maxRows * GY };
  $('graph-layer').replaceChildren(...edgeEls, ...nodeEls);
  if (!graph.fitted) { fitGraph(); graph.fitted = true; }
}

// ---- agents

export function health(a) {
  if (a.state === 'offline') return ['offline', 'off'];
  if (!a.last_heartbeat_us) return ['never', 'stale'];
  const age = Date.now() - a.last_heartbeat_us / 1000;
  if (age < 3 * app.heartbeatMs) return ['healthy', 'ok'];
  if (age < 10 * app.heartbeatMs) return ['warning', 'warn'];
  return ['stale', 'stale'];
}

// Completed per minute over the last five minutes this page saw.
export function throughput(a) {
  const now = Date.now();
  let list = app.agentSamples.get(a.name);
  if (!list) app.agentSamples.set(a.name, list = []);
  list.push({ t: now, c: a.completed });
  while (list.length > 2 && now - list[0].t > 5 * 60 * 1000) list.shift();
  const first = list[0];
  const minutes = (now - first.t) / 60000;
  if (minutes < 0.05) return '—';
  return ((a.completed - first.c) / minutes).toFixed(1) + '/min';
}

export async function loadAgents() {
  const body = $('agents-body');
  let r;
  try { r = await api('/api/agents'); } catch (e) { body.replaceChildren(h('tr', null, h('td', { colspan: 12 }, unavailable('agents', e)))); return; }
  const agents = r.agents || [];
  $('agents-info').textContent = `${agents.length} agent(s); heartbeat every ${duration(app.heartbeatMs)}: ` +
    `healthy under ${duration(3 * app.heartbeatMs)}, stale after ${duration(10 * app.heartbeatMs)}`;
  body.replaceChildren(...agents.map((a) => {
    const [word, cls] = health(a);
    return h('tr', null,
      h('td', null, a.name), h('td', null, a.state), h('td', null, h('span', { class: 'health ' + cls }, word)),
      h('td', { class: 'ticking', dataset: { since: String(a.last_heartbeat_us || 0) } }, ago(a.last_heartbeat_us)),
      h('td', null, a.current_task ? h('a', { href: '#', onclick: (e) => { e.preventDefault(); app.open(a.current_task); } }, a.current_task) : ''),
      h('td', null, a.model || ''), h('td', null, a.pid ? String(a.pid) : ''),
      h('td', null, String(a.completed)), h('td', null, String(a.failed)), h('td', null, throughput(a)),
      h('td', { title: usageTitle(a.usage) }, tokens(a.usage)), h('td', null, dollars(a.usage)));
  }));
}

// ---- tokens and cost (model_usage as the CLIs reported it; swarm never prices tokens)

export function tokens(u) {
  const n = u ? u.total_tokens ?? 0 : 0;
  return n >= 1e6 ? (n / 1e6).toFixed(2) + 'M' : n >= 1e4 ? (n / 1e3).toFixed(1) + 'k' : String(n);
}

export function dollars(u) {
  return u && typeof u.cost_usd === 'number' ? '$' + u.cost_usd.toFixed(u.cost_usd < 1 ? 4 : 2) : '—';
}

function usageTitle(u) {
  if (!u) return '';
  return `input ${u.input_tokens ?? 0} · output ${u.output_tokens ?? 0} · cache read ` +
    `${u.cache_read_tokens ?? 0} · cache write ${u.cache_write_tokens ?? 0} · ${u.runs ?? 0} run(s)`;
}

// The header's spend: tokens, the cost when a CLI reported one, the budget.
export function spendText(u, budget) {
  let text = u && u.total_tokens ? ` · ${tokens(u)} tokens` : '';
  if (u && typeof u.cost_usd === 'number') text += ` · ${dollars(u)}`;
  if (budget) text += ` · budget $${budget.spent_usd.toFixed(2)} of $${budget.limit_usd.toFixed(2)}` +
    (budget.reached ? ' (reached: no new claims)' : '');
  return text;
}

// ---- mail

export function messageView(m) {
  const copies = m.copies || m.recipients || [];
  const states = Array.isArray(copies) ? copies.map((c) => `${c.recipient}: ${c.state}`).join(', ') : '';
  return h('div', { class: 'message' },
    h('div', { class: 'sub' }, `${when(m.created_us)} · ${m.from} → ${(m.to || []).join(', ') || (m.broadcast ? 'everyone' : '')}` +
      (m.category ? ` · ${m.category}` : '') + (m.ack_required ? ' · ack required' : '') + (m.state ? ` · ${m.state}` : '') +
      (states ? ` · ${states}` : '')),
    h('div', { class: 'subject' }, m.subject || '(no subject)'),
    m.body ? h('pre', { class: 'desc' }, m.body) : null);
}

export async function loadMail() {
  const q = $('mail-q').value.trim();
  const tbody = $('mail-threads');
  const out = $('mail-messages');
  if (q) {
    try {
      const r = await api('/api/mail?' + new URLSearchParams({ q, limit: 100 }));
      out.replaceChildren(h('h3', null, `messages matching “${q}”`), ...(r.messages || []).map(messageView));
    } catch (e) { out.replaceChildren(unavailable('mail search', e)); }
  }
  try {
    const r = await api('/api/mail/threads');
    tbody.replaceChildren(...(r.threads || []).map((t) => h('tr', { class: 'clickable' + (t.unread ? ' unread' : ''), onclick: () => openThread(t.thread) },
      h('td', null, t.thread), h('td', null, t.subject || ''), h('td', null, String(t.messages)),
      h('td', null, String(t.unread)), h('td', null, String(t.unacked)), h('td', null, when(t.last_us)))));
    if (!(r.threads || []).length) tbody.replaceChildren(h('tr', null, h('td', { colspan: 6 }, 'no mail yet')));
  } catch (e) { tbody.replaceChildren(h('tr', null, h('td', { colspan: 6 }, unavailable('mail threads', e)))); }
}

export async function openThread(thread) {
  const out = $('mail-messages');
  try {
    const r = await api('/api/mail/' + encodeURIComponent(thread));
    out.replaceChildren(h('h3', null, 'thread ' + thread), ...(r.messages || []).map(messageView));
  } catch (e) { out.replaceChildren(unavailable('thread', e)); }
}

// ---- reservations and leases

export function timeLeft(expiresUs) {
  return h('span', { class: 'ticking', dataset: { expires: String(expiresUs || 0) } }, leftText(expiresUs));
}

export function leftText(expiresUs) {
  if (!expiresUs) return 'no expiry';
  const ms = expiresUs / 1000 - Date.now();
  return ms > 0 ? duration(ms) : 'expired';
}

export function tick() {
  for (const el of document.querySelectorAll('.ticking')) {
    if (el.dataset.expires !== undefined) el.textContent = leftText(Number(el.dataset.expires));
    else if (el.dataset.since !== undefined) el.textContent = ago(Number(el.dataset.since));
  }
}

export async function loadReservations() {
  const body = $('res-body');
  const conflicts = $('res-conflicts');
  try {
    const r = await api('/api/reservations');
    const list = r.reservations || [];
    body.replaceChildren(...list.map((x) => h('tr', null, h('td', null, String(x.id)), h('td', null, x.agent),
      h('td', null, x.task || ''), h('td', null, x.pattern), h('td', null, x.type), h('td', null, x.exclusive ? 'yes' : 'no'),
      h('td', null, timeLeft(x.expires_us)), h('td', null, x.reason || ''))));
    if (!list.length) body.replaceChildren(h('tr', null, h('td', { colspan: 8 }, 'no active reservations')));
    const cs = r.conflicts || [];
    conflicts.replaceChildren(cs.length
      ? h('ul', null, cs.map((c) => h('li', { class: 'conflict' }, `#${c.a} ${c.pattern_a} overlaps #${c.b} ${c.pattern_b}`)))
      : 'no conflicts');
  } catch (e) {
    body.replaceChildren(h('tr', null, h('td', { colspan: 8 }, unavailable('reservations', e))));
    conflicts.replaceChildren();
  }
  const lb = $('lease-body');
  try {
    const r = await api('/api/leases');
    const list = r.leases || [];
    lb.replaceChildren(...list.map((l) => h('tr', null, h('td', null, l.name), h('td', null, l.holder || ''),
      h('td', null, String(l.token)), h('td', null, timeLeft(l.expires_us)))));
    if (!list.length) lb.replaceChildren(h('tr', null, h('td', { colspan: 4 }, 'no leases')));
  } catch (e) { lb.replaceChildren(h('tr', null, h('td', { colspan: 4 }, unavailable('leases', e)))); }
}

// ---- memory

export async function loadMemory() {
  const q = $('memory-q').value.trim();
  const body = $('memory-body');
  try {
    const r = await api('/api/memory?' + new URLSearchParams(q ? { q, k: 50 } : { k: 100 }));
    const rows = q ? (r.results || []).map((x) => ({ m: x.memory || x, score: x.score })) : (r.memories || []).map((m) => ({ m }));
    body.replaceChildren(...rows.map(({ m, score }) => h('tr', null, h('td', null, m.kind), h('td', null, m.type || ''),
      h('td', { class: 'wide' }, m.content), h('td', null, (m.tags || []).join(', ')), h('td', null, m.agent || ''),
      h('td', null, m.task || ''), h('td', null, score === undefined ? '' : Number(score).toFixed(3)))));
    if (!rows.length) body.replaceChildren(h('tr', null, h('td', { colspan: 7 }, q ? 'nothing found' : 'no memories yet')));
  } catch (e) { body.replaceChildren(h('tr', null, h('td', { colspan: 7 }, unavailable('memory', e)))); }
}

// ---- quality gates (GET /api/quality: quality/record.hpp's summary)

function verdict(c) {
  if (!c) return h('span', { class: 'sub' }, '—');
  const counts = `${c.errors} errors, ${c.warnings} warnings` +
    (c.failing_tests ? `, ${c.failing_tests} failing tests` : '');
  return h('span', null, h('span', { class: 'verdict ' + (c.passed ? 'pass' : 'fail') }, c.passed ? 'passed' : 'failed'),
    ' ' + counts);
}

function checksText(checks) {
  return (checks || []).map((c) => `${c.name} ${c.passed ? 'passed' : 'failed'}` +
    (c.failing_tests ? ` (${c.failing_tests} failing)` : '')).join('; ') || 'no checks';
}

function taskLink(id) {
  return id ? h('a', { href: '#', onclick: (e) => { e.preventDefault(); app.open(id); } }, id) : '';
}

export async function loadQuality() {
  const info = $('quality-info');
  const checks = $('quality-checks');
  const worse = $('quality-regressions');
  const trend = $('quality-trend');
  let q;
  try { q = await api('/api/quality?limit=200'); } catch (e) {
    info.replaceChildren(unavailable('quality', e));
    for (const t of [checks, worse, trend]) t.replaceChildren();
    return;
  }
  const base = q.baseline;
  const latest = q.latest;
  if (!base) {
    info.textContent = 'No quality baseline yet: `swarm quality baseline` records one, and a run with ' +
      '[quality.<name>] checks and --isolation worktree takes one at start.';
  } else {
    info.textContent = `Baseline: ${base.integration || '?'} at ${String(base.commit || '').slice(0, 12)}, ` +
      `${when(base.ts_us)} by ${base.by || '?'}` +
      (latest ? ` · latest: ${latest.task} attempt ${latest.attempt} at ${String(latest.commit || '').slice(0, 12)}` : '') +
      ` · ${q.regressions.length} regression(s) in the last ${q.trend.length} record(s)`;
  }
  const names = [];
  for (const c of [...(base ? base.checks : []), ...(latest ? latest.checks : [])])
    if (!names.includes(c.name)) names.push(c.name);
  const find = (p, name) => (p ? p.checks.find((c) => c.name === name) : null);
  checks.replaceChildren(...names.map((name) => h('tr', { dataset: { check: name } },
    h('td', null, name), h('td', null, verdict(find(base, name))), h('td', null, verdict(find(latest, name))))));
  if (!names.length) checks.replaceChildren(h('tr', null, h('td', { colspan: 3 }, 'no checks recorded')));
  worse.replaceChildren(...q.regressions.slice().reverse().map((r) => h('tr', { class: 'worse' },
    h('td', null, taskLink(r.task)), h('td', null, String(r.attempt)), h('td', null, r.agent || ''),
    h('td', null, String(r.commit || '').slice(0, 12)),
    h('td', { class: 'wide' }, (r.worse || []).map((g) => `${g.check} ${g.kind}` + (g.detail ? ` (${g.detail})` : '') +
      ((g.tests || []).length ? `: ${g.tests.join(', ')}` : '')).join('; ')))));
  if (!q.regressions.length) worse.replaceChildren(h('tr', null, h('td', { colspan: 5 }, 'none')));
  trend.replaceChildren(...q.trend.slice(-100).reverse().map((p) => h('tr', { class: p.regressions > 0 ? 'worse' : '' },
    h('td', null, when(p.ts_us)), h('td', null, p.baseline ? `baseline (${p.by || '?'})` : taskLink(p.task)),
    h('td', null, p.agent || ''), h('td', null, String(p.commit || '').slice(0, 12)),
    h('td', { class: 'wide' }, checksText(p.checks) + (p.regressions > 0 ? ` — ${p.regressions} worse` : '')))));
  if (!q.trend.length) trend.replaceChildren(h('tr', null, h('td', { colspan: 5 }, 'nothing recorded yet')));
}

// ---- run progress

export function renderProgress() {
  const svg = $('progress-chart');
  const pts = app.progress;
  const W = 800, H = 300, L = 50, B = 30, T = 10, R = 10;
  const total = Math.max(1, app.total || 0, ...pts.map((p) => p.v));
  const t0 = pts.length ? pts[0].t : Date.now();
  const t1 = Math.max(t0 + 1000, Date.now());
  const X = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const Y = (v) => H - B - (v / total) * (H - B - T);
  const line = pts.map((p) => `${X(p.t).toFixed(1)},${Y(p.v).toFixed(1)}`).join(' ');
  svg.replaceChildren(
    s('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'axis' }),
    s('line', { x1: L, y1: T, x2: L, y2: H - B, class: 'axis' }),
    s('line', { x1: L, y1: Y(total), x2: W - R, y2: Y(total), class: 'goal' }),
    s('text', { x: L - 6, y: Y(total) + 4, class: 'tick', 'text-anchor': 'end' }, String(total)),
    s('text', { x: L - 6, y: H - B + 4, class: 'tick', 'text-anchor': 'end' }, '0'),
    s('text', { x: W - R, y: H - 8, class: 'tick', 'text-anchor': 'end' }, duration(t1 - t0) + ' since this page opened'),
    s('polyline', { points: line, class: 'series' }));
  const last = pts.length ? pts[pts.length - 1].v : 0;
  $('progress-info').textContent = `${last} of ${app.total || 0} tasks completed`;
}

