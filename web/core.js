// The dashboard's shared parts: constants, DOM and text helpers, the API client, and
// the page's state (`app`), which the board (app.js) and the other views (views.js)
// both read. Engine text is only ever put into the page as text (textContent).

export const STATES = ['pending', 'ready', 'claimed', 'blocked', 'failed', 'completed', 'cancelled'];
export const STATE_LABEL = {
  pending: 'waiting', ready: 'ready', claimed: 'running', blocked: 'blocked',
  failed: 'failed', completed: 'completed', cancelled: 'cancelled',
};
export const PAGE = 50;              // cards fetched per column page
export const MAX_REFRESH = 1000;     // at most this many cards of a column are fetched again
export const COALESCE_MS = 250;      // events touching the same data refresh it at most this often
export const POLL_MS = 500;          // without the stream
export const GRAPH_LIMIT = 2000;     // larger graphs are drawn as groups (graph.summary)
export const DEFAULT_HEARTBEAT_MS = 2000;

// ---- small helpers

export function h(tag, attrs, ...children) {
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

export const SVG_NS = 'http://www.w3.org/2000/svg';
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined) el.setAttribute(k, String(v));
  for (const c of children) if (c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

export const $ = (id) => document.getElementById(id);

export function ago(us) {
  if (!us) return 'never';
  const ms = Date.now() - us / 1000;
  return duration(ms) + ' ago';
}

export function duration(ms) {
  if (!(ms > 0)) return '0s';
  const sec = Math.floor(ms / 1000);
  if (sec < 60) return sec + 's';
  const min = Math.floor(sec / 60);
  if (min < 60) return min + 'm' + String(sec % 60).padStart(2, '0') + 's';
  return Math.floor(min / 60) + 'h' + String(min % 60).padStart(2, '0') + 'm';
}

export function when(us) {
  return us ? new Date(us / 1000).toLocaleString() : '';
}

export function priorityOf(t) {
  const p = typeof t.priority === 'number' ? t.priority : parseInt(String(t.priority || 'P2').slice(1), 10);
  return Number.isFinite(p) ? p : 2;
}

export function toast(message, kind = 'error') {
  const el = h('div', { class: 'toast ' + kind, role: kind === 'error' ? 'alert' : 'status' }, message);
  $('toasts').append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 3000);
}

// ---- the API

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(path, { method = 'GET', body } = {}) {
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
export function isMissing(e) {
  return e instanceof ApiError && e.status === 404 && /^no resource /.test(e.message);
}

export function unavailable(what, e) {
  return h('p', { class: 'unavailable' },
    isMissing(e) ? what + ': not available from this engine' : what + ': ' + e.message);
}

let patchMissing = false;

// PATCH /api/tasks/{id}; an engine without it gets the same operation through
// POST /api/command.
export async function patchTask(id, body) {
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

// ---- what the page knows

export const app = {
  open: null,           // opens a task's detail (set by app.js)
  view: 'board',
  status: null,
  heartbeatMs: DEFAULT_HEARTBEAT_MS,
  stale: new Set(),     // views whose data changed while hidden
  detailId: null,
  busy: 0,              // drags and drops under way: the board is not redrawn meanwhile
  progress: [],         // [{t: ms, v: completed}]
  agentSamples: new Map(), // name -> [{t, completed}]
};

