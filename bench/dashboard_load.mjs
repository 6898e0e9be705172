// Dashboard first load at scale: a generated plan of N leaf tasks (default 100,000: 100
// epics of 1,000 tasks, chained in runs of 10) is loaded into a temp database, `swarm
// serve` serves it, and headless Debian chromium (playwright-core from tests/web) opens
// the one-time link. Measured in the browser: from the navigation's start to the
// page's performance mark 'swarm:board-usable' (every column drawn with its exact
// count and its first page of cards), first load and a reload with the assets cached.
// Then the graph view's time to draw (epics collapsed). A benchmark, never a test: it
// prints one JSON object.
//
//   node bench/dashboard_load.mjs --swarm build/swarm [--tasks 100000] [--runs 3]

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const swarmBin = resolve(arg('--swarm', 'build/swarm'));
const total = Number(arg('--tasks', '100000'));
const runs = Number(arg('--runs', '3'));
const CHROMIUM = process.env.SWARM_CHROMIUM || '/usr/bin/chromium';
const { chromium } = createRequire(join(here, '..', 'tests', 'web', 'package.json'))('playwright-core');

const work = mkdtempSync(join(tmpdir(), 'swarm-dash-bench-'));
const perEpic = 1000;
const epics = Math.ceil(total / perEpic);
const tasks = [];
for (let e = 0; e < epics; e++) {
  const children = [];
  for (let i = 0; i < perEpic && e * perEpic + i < total; i++) {
    const t = { title: `Task ${e}-${i}`, priority: `P${(e + i) % 5}`, description: `Generated task ${i} of epic ${e}.` };
    if (i % 10 !== 0) t.depends = [`Task ${e}-${i - 1}`];
    children.push(t);
  }
  tasks.push({ title: `Epic ${e}`, children });
}
writeFileSync(join(work, 'plan.json'), JSON.stringify({ prefix: 'bench', tasks }));

let t = Date.now();
const load = spawnSync(swarmBin, ['load', 'plan.json'], { cwd: work, encoding: 'utf8', timeout: 600000 });
if (load.status !== 0) throw new Error('swarm load failed: ' + load.stdout + load.stderr);
const loadSeconds = (Date.now() - t) / 1000;

const serve = spawn(swarmBin, ['serve', '--listen', '127.0.0.1:0'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
serve.stdout.on('data', (d) => { out += d; });
const started = Date.now();
while (!/dashboard: (\S+)/.test(out)) {
  if (serve.exitCode !== null || Date.now() - started > 300000) throw new Error('serve did not start: ' + out);
  await new Promise((r) => setTimeout(r, 50));
}
const serveSeconds = (Date.now() - started) / 1000;
const link = /dashboard: (\S+)/.exec(out)[1];

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const page = await (await browser.newContext({ viewport: { width: 1600, height: 900 } })).newPage();

async function usableMs() {
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120000 });
  return page.evaluate(() => {
    const mark = performance.getEntriesByName('swarm:board-usable')[0];
    const nav = performance.getEntriesByType('navigation')[0];
    return { usable_ms: Math.round(mark.startTime), dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd) };
  });
}

await page.goto(link);
const first = await usableMs();
const reloads = [];
for (let i = 0; i < runs; i++) {
  await page.reload();
  reloads.push(await usableMs());
}
const counts = await page.evaluate(() => Object.fromEntries(
  [...document.querySelectorAll('.column')].map((c) => [c.dataset.state, Number(c.querySelector('.count').textContent)])));
const cards = await page.evaluate(() => document.querySelectorAll('.card').length);

// The graph view at this size: epics collapsed into one node each.
t = Date.now();
await page.click('#tabs button[data-view="graph"]');
await page.waitForFunction(() => /tasks/.test(document.getElementById('graph-info').textContent), null, { timeout: 120000 });
const graphMs = Date.now() - t;
const graphInfo = await page.textContent('#graph-info');
const graphNodes = await page.evaluate(() => document.querySelectorAll('#graph .node').length);

await browser.close();
serve.kill('SIGTERM');
await new Promise((r) => serve.once('exit', r));
rmSync(work, { recursive: true, force: true });

const sorted = reloads.map((r) => r.usable_ms).sort((a, b) => a - b);
console.log(JSON.stringify({
  bench: 'dashboard_load',
  tasks: total,
  plan_load_seconds: loadSeconds,
  serve_start_seconds: serveSeconds,
  first_load: first,
  reload_usable_ms: reloads.map((r) => r.usable_ms),
  reload_usable_ms_median: sorted[Math.floor(sorted.length / 2)],
  column_counts: counts,
  cards_drawn: cards,
  graph_view_ms: graphMs,
  graph_nodes: graphNodes,
  graph_info: graphInfo,
}, null, 1));
