// The swarm dashboard. Hand-written, no library: every view reads the HTTP API (README
// "swarm serve") with the session cookie that GET /login set, and stays current from
// the live stream (GET /api/stream, Server-Sent Events). Bursts of events are coalesced:
// what they touched is fetched again at most every 250 ms, and only for the view shown.
// Where the engine lacks an endpoint (an older build), that panel says "not available"
// and the rest works; without the stream the page polls.
//
// Text from the engine is only ever put into the page as text (textContent), never as
// markup; the page runs under a Content-Security-Policy without inline script.
//
// This module: refreshing and the stream, the board (columns, paging, drag-and-drop)
// and the task detail; core.js holds the helpers, the API client and the shared state,
// views.js the other views.

import {
  COALESCE_MS, MAX_REFRESH, PAGE, POLL_MS, STATES, STATE_LABEL, $, api, app, duration, h,
  patchTask, priorityOf, toast, unavailable,
} from './core.js';
import {
  loadAgents, loadGraph, loadMail, loadMemory, loadQuality, loadReservations, messageView, renderProgress,
  spendText,
  setupGraphControls, tick, timeLeft,
} from './views.js';

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
  for (const view of ['board', 'graph', 'agents', 'mail', 'reservations', 'memory', 'quality']) {
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
    case 'quality': return ['quality'];
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
  'run.budget', 'quality.snapshot', 'quality.baseline',
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
    `${(st.agents || []).filter((a) => a.state !== 'offline').length} agents · run ${st.run ? st.run.state : ''}` +
    spendText(st.usage, st.budget);
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
    // The column may have been drawn again meanwhile (a live refresh) with its own card
    // for the task: that one snaps, the dropped one goes, so the task shows once.
    const fresh = [...d.parent.children].find((c) => c !== d.el && c.dataset.id === d.id);
    if (fresh) {
      d.el.remove();
      d.el = fresh;
    } else {
      d.parent.insertBefore(d.el, d.next && d.next.parentNode === d.parent ? d.next : null);
    }
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

// ---- views

const VIEWS = {
  board: loadBoard,
  graph: loadGraph,
  agents: loadAgents,
  mail: loadMail,
  reservations: loadReservations,
  memory: loadMemory,
  quality: loadQuality,
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
  app.open = showDetail; // the other views open a task's detail through it
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

