// The swarm dashboard. Hand-written, no library: every view reads the HTTP API (README
// "swarm serve") with the session cookie that GET /login set, and stays current from
// the live stream (GET /api/stream, Server-Sent Events). Bursts of events are coalesced:
// what they touched is fetched again at most every 250 ms, and only for the view shown.
// Where the engine lacks an endpoint (an older build), that panel says "not available"
// and the rest works; without the stream the page polls.
//
// Text from the engine is only ever put into the page as text (textContent), never as
// markup; the page runs under a Content-Security-Policy without inline script.

const STATES = ['pending', 'ready', 'claimed', 'blocked', 'failed', 'completed', 'cancelled'];
const STATE_LABEL = {
  pending: 'waiting', ready: 'ready', claimed: 'running', blocked: 'blocked',
  failed: 'failed', completed: 'completed', cancelled: 'cancelled',
};
const PAGE = 50;              // cards fetched per column page
const MAX_REFRESH = 1000;     // at most this many cards of a column are fetched again
const COALESCE_MS = 250;      // events touching the same data refresh it at most this often
const POLL_MS = 500;          // without the stream
const GRAPH_LIMIT = 2000;     // larger graphs collapse epics
const DEFAULT_HEARTBEAT_MS = 2000;

// ---- small helpers

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined) el.setAttribute(k, String(v));
  for (const c of children) if (c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const $ = (id) => document.getElementById(id);

function ago(us) {
  if (!us) return 'never';
  const ms = Date.now() - us / 1000;
  return duration(ms) + ' ago';
}

function duration(ms) {
  if (!(ms > 0)) return '0s';
  const sec = Math.floor(ms / 1000);
  if (sec < 60) return sec + 's';
  const min = Math.floor(sec / 60);
  if (min < 60) return min + 'm' + String(sec % 60).padStart(2, '0') + 's';
  return Math.floor(min / 60) + 'h' + String(min % 60).padStart(2, '0') + 'm';
}

function when(us) {
  return us ? new Date(us / 1000).toLocaleString() : '';
}

function priorityOf(t) {
  const p = typeof t.priority === 'number' ? t.priority : parseInt(String(t.priority || 'P2').slice(1), 10);
  return Number.isFinite(p) ? p : 2;
}

function toast(message, kind = 'error') {
  const el = h('div', { class: 'toast ' + kind, role: kind === 'error' ? 'alert' : 'status' }, message);
  $('toasts').append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 3000);
}

// ---- the API

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path, { method = 'GET', body } = {}) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const err = (data && data.error) || {};
    if (res.status === 401) $('signin').hidden = false;
    throw new ApiError(res.status, err.code || 'http_' + res.status, err.message || res.statusText);
  }
  return data;
}

// The engine has no such resource (an older build): the panel says so instead.
function isMissing(e) {
  return e instanceof ApiError && e.status === 404 && /^no resource /.test(e.message);
}

function unavailable(what, e) {
  return h('p', { class: 'unavailable' },
    isMissing(e) ? what + ': not available from this engine' : what + ': ' + e.message);
}

let patchMissing = false;

// PATCH /api/tasks/{id}; an engine without it gets the same operation through
// POST /api/command.
async function patchTask(id, body) {
  if (!patchMissing) {
    try {
      return await api('/api/tasks/' + encodeURIComponent(id), { method: 'PATCH', body });
    } catch (e) {
      if (!isMissing(e)) throw e;
      patchMissing = true;
    }
  }
  let req;
  if ('priority' in body) req = { op: 'task.update', args: { id, priority: body.priority } };
  else if (body.state === 'ready') req = { op: 'task.reopen', args: { id } };
  else if (body.state === 'cancelled') req = { op: 'task.cancel', args: { id, reason: body.reason } };
  else req = { op: 'task.move', args: { id, state: body.state } };
  return (await api('/api/command', { method: 'POST', body: req })).result;
}

// ---- what the page knows, and refreshing it

const app = {
  view: 'board',
  status: null,
  heartbeatMs: DEFAULT_HEARTBEAT_MS,
  stale: new Set(),     // views whose data changed while hidden
  detailId: null,
  busy: 0,              // drags and drops under way: the board is not redrawn meanwhile
  progress: [],         // [{t: ms, v: completed}]
  agentSamples: new Map(), // name -> [{t, completed}]
};

const dirty = new Set();
let flushTimer = null;
let lastFlush = 0;

// Marks data as changed; it is fetched again within COALESCE_MS, once per burst.
function invalidate(...what) {
  for (const w of what) dirty.add(w);
  if (flushTimer) return;
  const wait = Math.max(0, COALESCE_MS - (performance.now() - lastFlush));
  flushTimer = setTimeout(flush, wait);
}

async function flush() {
  flushTimer = null;
  if (app.busy > 0) {
    flushTimer = setTimeout(flush, 100);
    return;
  }
  lastFlush = performance.now();
  const what = new Set(dirty);
  dirty.clear();
  // The counts first: the board fetches only the columns that have cards.
  if (what.has('status')) await loadStatus().catch(() => {});
  const jobs = [];
  for (const view of ['board', 'graph', 'agents', 'mail', 'reservations', 'memory']) {
    if (!what.has(view)) continue;
    if (view === app.view) jobs.push(reload(view));
    else app.stale.add(view);
  }
  if (what.has('detail') && app.detailId) jobs.push(showDetail(app.detailId));
  await Promise.allSettled(jobs);
}

// One load of a view at a time (a graph of 100k tasks takes the engine seconds): a
// change seen meanwhile loads it once more after.
const inflight = new Map();
const again = new Set();
function reload(view) {
  if (inflight.has(view)) {
    again.add(view);
    return inflight.get(view);
  }
  const p = VIEWS[view]().finally(() => {
    $('view-' + view).dataset.loaded = 'true'; // drawn once (the browser test waits for it)
    inflight.delete(view);
    if (again.delete(view)) invalidate(view);
  });
  inflight.set(view, p);
  return p;
}

function eventTouches(kind) {
  const area = kind.split('.')[0];
  switch (area) {
    case 'task': case 'plan': case 'dep':
      return ['status', 'board', 'graph', 'detail'];
    case 'agent': case 'model': case 'run':
      return kind === 'agent.heartbeat' ? ['agents'] : ['status', 'agents', 'board'];
    case 'mail': return ['mail', 'detail'];
    case 'reservation': case 'lease': return ['reservations', 'detail'];
    case 'memory': return kind === 'memory.accessed' ? [] : ['memory'];
    default: return ['status'];
  }
}

const EVENT_KINDS = [
  'engine.started', 'plan.loaded', 'task.created', 'task.claimed', 'task.completed',
  'task.failed', 'task.released', 'task.rolled_up', 'task.renewed', 'agent.registered',
  'agent.stopped', 'run.started', 'run.finished', 'model.started', 'model.finished',
  'agent.heartbeat', 'agent.state', 'task.updated', 'task.cancelled', 'task.reopened',
  'task.deferred', 'dep.added', 'dep.removed', 'mail.sent', 'mail.read', 'mail.acked',
  'mail.followed', 'reservation.granted', 'reservation.renewed', 'reservation.released',
  'lease.acquired', 'lease.renewed', 'lease.released', 'memory.added', 'memory.forgotten',
  'memory.reinforced', 'memory.accessed', 'memory.reembedded', 'memory.embedder',
];

function onEvent(msg) {
  let ev = null;
  try { ev = JSON.parse(msg.data); } catch { return; }
  const kind = ev.kind || msg.type;
  if (kind === 'task.completed' && app.progress.length) {
    const last = app.progress[app.progress.length - 1].v;
    app.progress.push({ t: ev.ts_us ? ev.ts_us / 1000 : Date.now(), v: last + 1 });
  }
  invalidate(...eventTouches(kind));
}

let pollTimer = null;

function setLive(text, cls) {
  const el = $('live');
  el.textContent = text;
  el.className = 'live ' + cls;
}

// The stream; the browser reconnects by itself and resumes with Last-Event-ID. An
// engine without it (or a refused one) leaves the page polling.
function connectStream() {
  if (typeof EventSource === 'undefined') return startPolling();
  const es = new EventSource('/api/stream', { withCredentials: true });
  es.onopen = () => {
    setLive('live', 'ok');
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    invalidate('status', app.view); // whatever happened while away
  };
  es.onmessage = onEvent;
  for (const kind of EVENT_KINDS) es.addEventListener(kind, onEvent);
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED) {
      es.close();
      startPolling();
    } else {
      setLive('reconnecting', 'warn');
    }
  };
}

// Without the stream: the status every POLL_MS, and the rest when its counts or
// agents moved (a board query is a pass over every task in the engine).
function startPolling() {
  setLive('polling', 'warn');
  if (pollTimer) return;
  let seen = '';
  let asking = false;
  pollTimer = setInterval(async () => {
    if (app.busy > 0 || asking) return; // never a second request while one waits
    asking = true;
    try {
      await loadStatus();
    } catch {
      return;
    } finally {
      asking = false;
    }
    const now = JSON.stringify([app.status.tasks, app.status.agents]);
    if (now !== seen) invalidate('board', 'agents', 'graph', 'detail');
    seen = now;
  }, POLL_MS);
}

// ---- status

async function loadStatus() {
  const st = await api('/api/status');
  app.status = st;
  $('signin').hidden = true;
  const hb = (st.run && (st.run.heartbeat_ms ?? st.run.heartbeat)) ?? st.heartbeat_ms;
  if (typeof hb === 'number' && hb > 0) app.heartbeatMs = hb;
  const c = st.tasks || {};
  $('totals').textContent = `${c.completed ?? 0} of ${c.total ?? 0} completed · ` +
    `${(st.agents || []).filter((a) => a.state !== 'offline').length} agents · run ${st.run ? st.run.state : ''}`;
  for (const state of STATES) {
    const col = board.cols[state];
    if (col) {
      col.total = c[state] ?? 0;
      col.count.textContent = String(col.total);
      updateMore(col);
    }
  }
  app.progress.push({ t: Date.now(), v: c.completed ?? 0 });
  if (app.progress.length > 4000) app.progress = app.progress.filter((_, i) => i % 2 === 0);
  app.total = c.total ?? 0;
  if (app.view === 'progress') renderProgress();
}

// ---- board

const board = { cols: {}, drag: null };

function buildBoard() {
  const root = $('board');
  for (const state of STATES) {
    const count = h('span', { class: 'count' }, '…');
    const cards = h('div', { class: 'cards' });
    const more = h('button', { class: 'more', type: 'button', hidden: true }, 'more');
    const el = h('section', { class: 'column', dataset: { state } },
      h('h2', null, h('span', { class: 'name' }, STATE_LABEL[state]), count), cards, more);
    const col = { state, el, cards, count, more, tasks: [], total: 0, cursor: null, loaded: false };
    more.addEventListener('click', () => loadColumn(col, true).catch((e) => toast(e.message)));
    el.addEventListener('dragover', (e) => onDragOver(e, col));
    el.addEventListener('dragleave', (e) => { if (!el.contains(e.relatedTarget)) el.classList.remove('over'); });
    el.addEventListener('drop', (e) => onDrop(e, col));
    board.cols[state] = col;
    root.append(el);
  }
}

function updateMore(col) {
  const left = col.total - col.tasks.length;
  col.more.hidden = !(col.loaded && left > 0);
  col.more.textContent = `more (${left} not shown)`;
}

// A column's first page (again, as many as it shows, up to MAX_REFRESH), or the next
// page after the cards it has (`append`).
async function loadColumn(col, append = false) {
  if (!append && app.status && col.total === 0) {
    // Empty by the counts just read: nothing to fetch (a query costs the engine a
    // pass over every task).
    col.tasks = [];
    col.cursor = null;
    col.loaded = true;
    return renderColumn(col);
  }
  const q = new URLSearchParams({ state: col.state });
  if (append && col.cursor) {
    q.set('limit', PAGE);
    q.set('cursor', col.cursor);
  } else {
    const n = append ? col.tasks.length + PAGE : Math.min(Math.max(PAGE, col.tasks.length), MAX_REFRESH);
    q.set('limit', n);
  }
  const r = await api('/api/tasks?' + q);
  const tasks = r.tasks || [];
  col.tasks = append && col.cursor ? col.tasks.concat(tasks) : tasks;
  col.cursor = r.next_cursor || null;
  if (typeof r.total === 'number') col.total = r.total;
  col.loaded = true;
  renderColumn(col);
}

function renderColumn(col) {
  col.count.textContent = String(col.total);
  // Plan order from the engine; shown by priority (P0 first), plan order within one.
  const shown = col.tasks.map((t, i) => ({ t, i }))
    .sort((a, b) => priorityOf(a.t) - priorityOf(b.t) || a.i - b.i);
  col.cards.replaceChildren(...shown.map(({ t }) => taskCard(t)));
  updateMore(col);
}

function taskCard(t) {
  const p = priorityOf(t);
  const meta = t.claimed_by ? '⚙ ' + t.claimed_by : t.failure ? '✗ ' + t.failure : '';
  const el = h('article', {
    class: 'card', draggable: 'true', tabindex: '0',
    dataset: { id: t.id, state: t.state, priority: String(p) },
  },
  h('div', { class: 'card-top' }, h('span', { class: 'id' }, t.id), h('span', { class: 'prio p' + p }, 'P' + p)),
  h('div', { class: 'title' }, t.title || '(untitled)'),
  meta ? h('div', { class: 'meta' }, meta) : null);
  el.addEventListener('click', () => showDetail(t.id));
  el.addEventListener('keydown', (e) => { if (e.key === 'Enter') showDetail(t.id); });
  el.addEventListener('dragstart', (e) => {
    e.dataTransfer.setData('text/plain', t.id);
    e.dataTransfer.effectAllowed = 'move';
    board.drag = { id: t.id, from: el.closest('.column').dataset.state, el, parent: el.parentNode, next: el.nextSibling, priority: p };
    app.busy++;
    el.classList.add('dragging');
  });
  el.addEventListener('dragend', () => {
    el.classList.remove('dragging');
    for (const c of Object.values(board.cols)) c.el.classList.remove('over');
    if (board.drag && board.drag.el === el) { board.drag = null; app.busy--; }
  });
  return el;
}

// The card under which a drop at height y lands before (null: at the end).
function cardBefore(cards, y, dragged) {
  for (const c of cards.children) {
    if (c === dragged) continue;
    const r = c.getBoundingClientRect();
    if (y < r.top + r.height / 2) return c;
  }
  return null;
}

function onDragOver(e, col) {
  if (!board.drag) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = 'move';
  col.el.classList.add('over');
}

// A drop is sent to the engine as it is: to ready = reopen, to cancelled = cancel,
// within the column = priority, anything else = a move the engine judges. Until it
// answers the card sits where it was dropped; refused, it snaps back and the engine's
// reason is shown.
async function onDrop(e, col) {
  e.preventDefault();
  const d = board.drag;
  if (!d) return;
  board.drag = null; // dragend must not release `busy`: the request holds it
  col.el.classList.remove('over');
  d.el.classList.remove('dragging');
  const before = cardBefore(col.cards, e.clientY, d.el);
  col.cards.insertBefore(d.el, before);
  d.el.classList.add('moving');
  try {
    if (col.state === d.from) {
      const prev = d.el.previousElementSibling;
      const next = d.el.nextElementSibling;
      // Under a card: its priority; at the top: one more urgent than the top card.
      const p = prev ? Number(prev.dataset.priority) : next ? Math.max(0, Number(next.dataset.priority) - 1) : d.priority;
      if (p !== d.priority) {
        await patchTask(d.id, { priority: p });
        toast(`${d.id}: priority P${p}`, 'ok');
      }
    } else if (col.state === 'ready') {
      await patchTask(d.id, { state: 'ready' });
      toast(`${d.id} reopened`, 'ok');
    } else if (col.state === 'cancelled') {
      await patchTask(d.id, { state: 'cancelled', reason: 'cancelled from the dashboard' });
      toast(`${d.id} cancelled`, 'ok');
    } else {
      await patchTask(d.id, { state: col.state });
    }
    d.el.classList.remove('moving');
  } catch (err) {
    d.parent.insertBefore(d.el, d.next && d.next.parentNode === d.parent ? d.next : null);
    d.el.classList.remove('moving');
    d.el.classList.add('snapped');
    setTimeout(() => d.el.classList.remove('snapped'), 1500);
    toast(`${d.id} stays ${STATE_LABEL[d.from]}: ${err.message}`);
  } finally {
    app.busy--;
    invalidate('status', 'board', 'detail');
  }
}

async function loadBoard() {
  await Promise.all(STATES.map((state) => loadColumn(board.cols[state])));
}

// ---- task detail

async function showDetail(id) {
  app.detailId = id;
  const panel = $('detail');
  const body = $('detail-body');
  panel.hidden = false;
  const enc = encodeURIComponent(id);
  const [task, attempts, res, mail] = await Promise.allSettled([
    api('/api/tasks/' + enc),
    api('/api/tasks/' + enc + '/attempts'),
    api('/api/reservations?task=' + enc),
    api('/api/mail?' + new URLSearchParams({ q: id, limit: 50 })),
  ]);
  if (app.detailId !== id) return;
  const parts = [];
  if (task.status === 'rejected') {
    parts.push(h('h2', null, id), unavailable('task', task.reason));
  } else {
    const t = task.value;
    parts.push(h('h2', null, t.title || t.id),
      h('p', { class: 'sub' }, `${t.id} · ${STATE_LABEL[t.state] || t.state} · P${priorityOf(t)} · ${t.attempts} attempt(s)`),
      t.description ? h('pre', { class: 'desc' }, t.description) : h('p', { class: 'sub' }, 'no description'),
      h('h3', null, 'Dependencies'),
      (t.depends || []).length
        ? h('ul', null, t.depends.map((d) => h('li', null, h('a', { href: '#', onclick: (e) => { e.preventDefault(); showDetail(d); } }, d))))
        : h('p', { class: 'sub' }, 'none'),
      t.parent ? h('p', { class: 'sub' }, 'parent: ' + t.parent) : null,
      t.result ? h('p', null, 'last result: ' + t.result) : null);
  }
  parts.push(h('h3', null, 'Attempts'));
  if (attempts.status === 'rejected') parts.push(unavailable('attempts', attempts.reason));
  else if (!(attempts.value.attempts || []).length) parts.push(h('p', { class: 'sub' }, 'none'));
  else for (const a of attempts.value.attempts) {
    parts.push(h('div', { class: 'attempt ' + a.outcome },
      h('div', null, `#${a.attempt} · ${a.agent} · ${a.outcome}` + (a.failure ? ` (${a.failure})` : '') +
        (a.duration_ms ? ` · ${duration(a.duration_ms)}` : '') + (a.exit_code !== undefined ? ` · exit ${a.exit_code}` : '')),
      a.output_tail ? h('pre', { class: 'tail' }, a.output_tail) : null));
  }
  parts.push(h('h3', null, 'Reservations'));
  if (res.status === 'rejected') parts.push(unavailable('reservations', res.reason));
  else if (!(res.value.reservations || []).length) parts.push(h('p', { class: 'sub' }, 'none'));
  else parts.push(h('ul', null, res.value.reservations.map((r) =>
    h('li', null, `${r.pattern} · ${r.agent} · ${r.type}${r.exclusive ? ' exclusive' : ''} · `, timeLeft(r.expires_us)))));
  parts.push(h('h3', null, 'Mail'));
  if (mail.status === 'rejected') parts.push(unavailable('mail', mail.reason));
  else if (!(mail.value.messages || []).length) parts.push(h('p', { class: 'sub' }, 'none'));
  else parts.push(...mail.value.messages.map(messageView));
  body.replaceChildren(...parts.filter((p) => p));
}

// ---- graph

const graph = { k: 1, x: 20, y: 20, bounds: null };

function applyGraphTransform() {
  $('graph-layer').setAttribute('transform', `translate(${graph.x},${graph.y}) scale(${graph.k})`);
}

function fitGraph() {
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

function setupGraphControls() {
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

// Groups of at most GRAPH_LIMIT: each task under its ancestor `level` segments deep
// (ids are hierarchical: sw-a3f8.1.2 sits under sw-a3f8.1).
function collapse(rows) {
  for (const level of [3, 2, 1]) {
    const key = (id) => id.split('.').slice(0, level).join('.');
    const groups = new Map();
    for (const r of rows) {
      const k = key(r.id);
      let g = groups.get(k);
      if (!g) groups.set(k, g = { id: k, title: '', depth: r.depth, n: 0, done: 0, state: 'pending', ids: new Set() });
      if (r.id === k) g.title = r.title;
      g.depth = Math.min(g.depth, r.depth);
      if (r.leaf) { g.n++; if (r.state === 'completed') g.done++; }
      g.ids.add(r.id);
    }
    if (groups.size <= GRAPH_LIMIT || level === 1) return { groups, key };
  }
  return null;
}

async function loadGraph() {
  let g;
  try {
    g = await api('/api/graph');
  } catch (e) {
    $('graph-layer').replaceChildren();
    $('graph-info').textContent = e.message;
    return;
  }
  const rows = g.tasks || [];
  const critical = g.critical_path || [];
  let nodes;
  let edges = [];
  let collapsed = false;
  if (rows.length <= GRAPH_LIMIT) {
    nodes = rows.map((r) => ({ id: r.id, label: r.title || r.id, depth: r.depth || 0, state: r.state, leaf: r.leaf }));
    let deps = new Map();
    try {
      const list = await api('/api/tasks?limit=' + GRAPH_LIMIT);
      deps = new Map((list.tasks || []).map((t) => [t.id, t.depends || []]));
    } catch { /* nodes without edges */ }
    for (const n of nodes) for (const d of deps.get(n.id) || []) edges.push([d, n.id]);
  } else {
    collapsed = true;
    const { groups, key } = collapse(rows);
    nodes = [...groups.values()].map((gr) => ({
      id: gr.id, label: `${gr.title || gr.id} (${gr.done}/${gr.n})`, depth: gr.depth,
      state: gr.n && gr.done === gr.n ? 'completed' : gr.done ? 'claimed' : 'pending', leaf: false,
    }));
    const path = critical.map(key);
    for (let i = 1; i < path.length; i++) if (path[i] !== path[i - 1]) edges.push([path[i - 1], path[i]]);
    critical.splice(0, critical.length, ...path);
  }
  drawGraph(nodes, edges, new Set(critical), critical);
  $('graph-info').textContent = `${rows.length} tasks` + (collapsed ? `, shown as ${nodes.length} epics` : '') +
    ` · critical path ${g.critical_length ?? '?'} min over ${(g.critical_path || []).length} tasks`;
}

function drawGraph(nodes, edges, onPath, path) {
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
    if (!n.id.includes('\n')) el.addEventListener('dblclick', () => showDetail(n.id));
    return el;
  });
  const maxDepth = Math.max(0, ...nodes.map((n) => n.depth));
  const maxRows = Math.max(1, ...[...layers.values()].map((l) => l.length));
  graph.bounds = { w: (maxDepth + 1) * GX, h: maxRows * GY };
  $('graph-layer').replaceChildren(...edgeEls, ...nodeEls);
  if (!graph.fitted) { fitGraph(); graph.fitted = true; }
}

// ---- agents

function health(a) {
  if (a.state === 'offline') return ['offline', 'off'];
  if (!a.last_heartbeat_us) return ['never', 'stale'];
  const age = Date.now() - a.last_heartbeat_us / 1000;
  if (age < 3 * app.heartbeatMs) return ['healthy', 'ok'];
  if (age < 10 * app.heartbeatMs) return ['warning', 'warn'];
  return ['stale', 'stale'];
}

// Completed per minute over the last five minutes this page saw.
function throughput(a) {
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

async function loadAgents() {
  const body = $('agents-body');
  let r;
  try { r = await api('/api/agents'); } catch (e) { body.replaceChildren(h('tr', null, h('td', { colspan: 10 }, unavailable('agents', e)))); return; }
  const agents = r.agents || [];
  $('agents-info').textContent = `${agents.length} agent(s); heartbeat every ${duration(app.heartbeatMs)}: ` +
    `healthy under ${duration(3 * app.heartbeatMs)}, stale after ${duration(10 * app.heartbeatMs)}`;
  body.replaceChildren(...agents.map((a) => {
    const [word, cls] = health(a);
    return h('tr', null,
      h('td', null, a.name), h('td', null, a.state), h('td', null, h('span', { class: 'health ' + cls }, word)),
      h('td', { class: 'ticking', dataset: { since: String(a.last_heartbeat_us || 0) } }, ago(a.last_heartbeat_us)),
      h('td', null, a.current_task ? h('a', { href: '#', onclick: (e) => { e.preventDefault(); showDetail(a.current_task); } }, a.current_task) : ''),
      h('td', null, a.model || ''), h('td', null, a.pid ? String(a.pid) : ''),
      h('td', null, String(a.completed)), h('td', null, String(a.failed)), h('td', null, throughput(a)));
  }));
}

// ---- mail

function messageView(m) {
  const copies = m.copies || m.recipients || [];
  const states = Array.isArray(copies) ? copies.map((c) => `${c.recipient}: ${c.state}`).join(', ') : '';
  return h('div', { class: 'message' },
    h('div', { class: 'sub' }, `${when(m.created_us)} · ${m.from} → ${(m.to || []).join(', ') || (m.broadcast ? 'everyone' : '')}` +
      (m.category ? ` · ${m.category}` : '') + (m.ack_required ? ' · ack required' : '') + (m.state ? ` · ${m.state}` : '') +
      (states ? ` · ${states}` : '')),
    h('div', { class: 'subject' }, m.subject || '(no subject)'),
    m.body ? h('pre', { class: 'desc' }, m.body) : null);
}

async function loadMail() {
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

async function openThread(thread) {
  const out = $('mail-messages');
  try {
    const r = await api('/api/mail/' + encodeURIComponent(thread));
    out.replaceChildren(h('h3', null, 'thread ' + thread), ...(r.messages || []).map(messageView));
  } catch (e) { out.replaceChildren(unavailable('thread', e)); }
}

// ---- reservations and leases

function timeLeft(expiresUs) {
  return h('span', { class: 'ticking', dataset: { expires: String(expiresUs || 0) } }, leftText(expiresUs));
}

function leftText(expiresUs) {
  if (!expiresUs) return 'no expiry';
  const ms = expiresUs / 1000 - Date.now();
  return ms > 0 ? duration(ms) : 'expired';
}

function tick() {
  for (const el of document.querySelectorAll('.ticking')) {
    if (el.dataset.expires !== undefined) el.textContent = leftText(Number(el.dataset.expires));
    else if (el.dataset.since !== undefined) el.textContent = ago(Number(el.dataset.since));
  }
}

async function loadReservations() {
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

async function loadMemory() {
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

// ---- run progress

function renderProgress() {
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

// ---- views

const VIEWS = {
  board: loadBoard,
  graph: loadGraph,
  agents: loadAgents,
  mail: loadMail,
  reservations: loadReservations,
  memory: loadMemory,
  progress: async () => renderProgress(),
};

function show(view) {
  app.view = view;
  for (const b of document.querySelectorAll('#tabs button')) b.setAttribute('aria-selected', String(b.dataset.view === view));
  for (const sec of document.querySelectorAll('main .view')) sec.hidden = sec.dataset.view !== view;
  document.body.dataset.view = view;
  history.replaceState(null, '', '#' + view);
  app.stale.delete(view);
  return reload(view).catch((e) => toast(e.message));
}

async function start() {
  buildBoard();
  setupGraphControls();
  for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => show(b.dataset.view));
  $('detail-close').addEventListener('click', () => { $('detail').hidden = true; app.detailId = null; });
  $('mail-search').addEventListener('submit', (e) => { e.preventDefault(); loadMail(); });
  $('memory-search').addEventListener('submit', (e) => { e.preventDefault(); loadMemory(); });
  setInterval(tick, 1000);
  const first = location.hash.slice(1);
  try {
    await loadStatus();
  } catch (e) {
    setLive('signed out', 'stale');
    toast(e.message);
    return;
  }
  await show(VIEWS[first] ? first : 'board');
  document.body.dataset.ready = 'true'; // the board's columns and counts are drawn
  performance.mark('swarm:board-usable'); // bench/dashboard_load.mjs reads it
  connectStream();
}

start();
