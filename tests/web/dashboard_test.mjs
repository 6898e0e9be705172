// Browser test of the dashboard: a real `swarm serve` on 127.0.0.1 port 0 over a temp
// database, driven by headless Debian chromium through playwright-core (no browser is
// downloaded). It checks what a person does: opening the one-time link signs in (and
// the link does not open twice), dragging a failed task to ready reopens it in the
// engine, a task completed through the API moves to the completed column without a
// reload, an illegal drop snaps back with the engine's reason, the Quality view shows
// the baseline, the latest snapshot and a regression (and a new baseline arrives live),
// the Agents view shows tokens; and it saves a screenshot of each view.
//
//   node tests/web/dashboard_test.mjs --swarm BUILD/swarm --screenshots DIR
//
// Prints "N passed, N failed"; exits 1 on any failure, including a missing chromium or
// playwright-core (run scripts/setup-deps).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.SWARM_CHROMIUM || '/usr/bin/chromium';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const swarmBinArg = arg('--swarm', process.env.SWARM_BINARY);
const swarmBin = swarmBinArg && resolve(swarmBinArg);
const shotsDir = arg('--screenshots', process.env.SWARM_SCREENSHOTS || join(tmpdir(), 'swarm-web-screenshots'));

function die(message) {
  console.error('web test: ' + message);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

if (!swarmBin || !existsSync(swarmBin)) die(`no swarm binary (pass --swarm PATH): ${swarmBin}`);
if (!existsSync(CHROMIUM)) die(`${CHROMIUM} is missing: run scripts/setup-deps (it installs Debian's chromium)`);
let chromium;
try {
  chromium = createRequire(join(here, 'package.json'))('playwright-core').chromium;
} catch {
  die(`playwright-core is missing in ${join(here, 'node_modules')}: run scripts/setup-deps (it runs npm ci in tests/web)`);
}

// ---- the served engine

const work = mkdtempSync(join(tmpdir(), 'swarm-web-'));
const db = join(work, '.swarm', 'swarm.db');

function swarmSync(args) {
  const r = spawnSync(swarmBin, args, { cwd: work, encoding: 'utf8', timeout: 60000 });
  return r;
}

// A task that has failed: a one-task plan run once with a model that always fails.
writeFileSync(join(work, 'broken.md'), '# Broken\n- Flaky migration\n  priority: P1\n');
writeFileSync(join(work, 'plan.md'), [
  '# Web',
  'A small web application.',
  '## Backend',
  '- Schema',
  '  priority: P1',
  '  estimate: 30m',
  '- API endpoints',
  '  depends: Schema',
  '- Auth',
  '  priority: P0',
  '## Frontend',
  'depends: Backend',
  '- Layout',
  '- Board view',
  '  depends: Layout',
  '- Graph view',
  '  priority: P3',
  '## Release',
  'depends: Frontend',
  '- Sign-off',
  '- Release notes',
  '  depends: Sign-off',
  '',
].join('\n'));

const pre = swarmSync(['run', 'broken.md', '--agents', '1', '--fail-rate', '1', '--max-attempts', '1',
  '--work-ms', '1-1', '--retry-backoff', '0s']);
if (pre.status !== 1) die('the failing run did not fail a task: ' + (pre.error || '') + pre.stdout + pre.stderr);

// Quality records: the directory is a git repository with a small tested project; its
// checks (gates.toml, given only to these commands) record a baseline, then a task run in
// a worktree whose command model breaks the test fails as quality_failure.
function gitSync(args) {
  const r = spawnSync('git', ['-c', 'user.name=web', '-c', 'user.email=web@test', ...args],
    { cwd: work, encoding: 'utf8' });
  if (r.status !== 0) die('git ' + args.join(' ') + ': ' + (r.error || '') + r.stderr);
}
writeFileSync(join(work, 'lib.txt'), '2\n');
writeFileSync(join(work, 'test.sh'), 'echo 1..1\n' +
  'if [ "$(cat lib.txt)" = 2 ]; then echo "ok 1 - value is two"; else echo "not ok 1 - value is two"; exit 1; fi\n');
writeFileSync(join(work, 'breaker.sh'), 'echo 3 > lib.txt\n');
writeFileSync(join(work, 'gates.toml'), '[quality.test]\ncommand = "sh test.sh"\nformat = "tap"\n');
writeFileSync(join(work, 'gates.md'), '# Gates\n- Change the value\n');
gitSync(['init', '-q', '-b', 'main']);
gitSync(['add', 'lib.txt', 'test.sh']);
gitSync(['commit', '-q', '-m', 'a tested project']);
const recorded = swarmSync(['quality', 'baseline', '--config', 'gates.toml']);
if (recorded.status !== 0) die('swarm quality baseline: ' + recorded.stdout + recorded.stderr);
const gated = swarmSync(['run', 'gates.md', '--config', 'gates.toml', '--agents', '1', '--isolation', 'worktree',
  '--model', 'command:sh ' + join(work, 'breaker.sh'), '--max-attempts', '1', '--retry-backoff', '0s']);
if (gated.status !== 1) die('the gated run did not fail its task: ' + gated.stdout + gated.stderr);

// With `swarm serve --agents` a running mock agent completes the tasks (slowly, so each
// state is seen); without, the test completes one through the API.
const serveHelp = swarmSync(['serve', '--help']).stdout || '';
const agentsMode = /--agents/.test(serveHelp) && /--work-ms/.test(serveHelp);
const serveArgs = ['serve', '--listen', '127.0.0.1:0'];
if (agentsMode) serveArgs.push('--agents', '1', '--model', 'mock', '--work-ms', '1500-1500');
console.log('     ' + (agentsMode ? 'a served mock agent completes the tasks' : 'the test completes a task through the API'));
const serve = spawn(swarmBin, serveArgs, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
let serveOut = '';
let serveErr = '';
serve.stdout.on('data', (d) => { serveOut += d; });
serve.stderr.on('data', (d) => { serveErr += d; });

async function until(what, fn, timeoutMs = 20000, everyMs = 50) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

let browser = null;
let passed = 0;
let failed = 0;

// An error with its stack and, for a failed fetch, what the socket said (e.cause).
function describe(e) {
  const text = e && e.stack ? e.stack : String(e);
  return e && e.cause ? text + '\n     cause: ' + (e.cause.stack || e.cause) : text;
}

// What a failed check prints besides its error, once the engine is up: whether the engine
// still answers, and the end of what `swarm serve` logged.
let diagnose = async () => {};

async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    passed++;
    console.log('ok   ' + name);
  } catch (e) {
    failed++;
    console.log('FAIL ' + name + ' (after ' + (Date.now() - started) + ' ms)\n     ' + describe(e));
    await diagnose().catch((d) => console.log('     (no diagnosis: ' + d + ')'));
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function finish() {
  if (browser) await browser.close().catch(() => {});
  serve.kill('SIGTERM');
  await new Promise((r) => { serve.once('exit', r); setTimeout(r, 10000); });
  rmSync(work, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

try {
  const link = await until('the dashboard link', () => {
    if (serve.exitCode !== null) throw new Error('serve ended: ' + serveOut + serveErr);
    const m = /dashboard: (http:\/\/[^\s]+)/.exec(serveOut);
    return m && m[1];
  });
  const base = new URL(link).origin;
  const token = readFileSync(join(work, '.swarm', 'token'), 'utf8').trim();
  const auth = { Authorization: 'Bearer ' + token };

  async function command(op, args) {
    const r = await fetch(base + '/api/command', {
      method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ op, args }),
    });
    const body = await r.json();
    if (!body.ok) throw new Error(`${op}: ${JSON.stringify(body.error)}`);
    return body.result;
  }
  diagnose = async () => {
    const t0 = Date.now();
    let probe;
    try {
      const r = await fetch(base + '/api/status', { headers: auth, signal: AbortSignal.timeout(10000) });
      probe = 'GET /api/status answered ' + r.status + ' in ' + (Date.now() - t0) + ' ms';
    } catch (e) {
      probe = 'GET /api/status: no answer after ' + (Date.now() - t0) + ' ms (' + e + ')';
    }
    console.log('     ' + probe + '; serve ' + (serve.exitCode === null ? 'running' : 'exited ' + serve.exitCode));
    if (serveErr) console.log('     serve stderr (its end): ' + serveErr.slice(-2000));
  };
  async function taskState(id) {
    const r = await fetch(base + '/api/tasks/' + encodeURIComponent(id), { headers: auth });
    return (await r.json()).state;
  }

  await command('plan.load', { path: join(work, 'plan.md') });
  const all = (await command('tasks', {})).tasks;
  // Sign-off waits for Frontend, so the agent cannot have it yet; deferred for a day,
  // it keeps Release notes waiting however far the agent gets while the test runs.
  const signOff = all.find((t) => t.title === 'Sign-off');
  await command('task.defer', { id: signOff.id, until_us: (Date.now() + 86400000) * 1000 });
  const failedTask = all.find((t) => t.state === 'failed' && t.leaf);
  assert(failedTask, 'a failed task to start from');

  await check('the page and its assets are served with their headers', async () => {
    const page = await fetch(base + '/');
    assert(page.status === 200, 'GET / is ' + page.status);
    const csp = page.headers.get('content-security-policy') || '';
    assert(/default-src 'self'/.test(csp) && !/unsafe-inline/.test(csp), 'a strict CSP: ' + csp);
    const js = await fetch(base + '/assets/app.js');
    assert(js.status === 200 && /javascript/.test(js.headers.get('content-type')), 'app.js');
    const etag = js.headers.get('etag');
    const again = await fetch(base + '/assets/app.js', { headers: { 'If-None-Match': etag } });
    assert(again.status === 304, 'If-None-Match gives 304, got ' + again.status);
    const api = await fetch(base + '/api/status');
    assert(api.status === 401, 'the API without token or cookie is 401');
  });

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log('     page error: ' + e.message));
  page.on('requestfailed', (r) => console.log('     request failed: ' + r.method() + ' ' + r.url() +
    ': ' + ((r.failure() || {}).errorText || '?')));
  // (A resource this engine lacks is a 404 the page expects: not worth a line.)
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) console.log('     console: ' + m.text());
  });

  await check('the one-time link signs in and lands on / with the cookie', async () => {
    await page.goto(link);
    assert(new URL(page.url()).pathname === '/' && !page.url().includes('code='), 'landed on ' + page.url());
    const cookies = await context.cookies();
    const c = cookies.find((x) => x.name === 'swarm_session');
    assert(c && c.httpOnly && c.sameSite === 'Strict', 'an HttpOnly SameSite=Strict cookie: ' + JSON.stringify(cookies));
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10000 });
    const reused = await fetch(link, { redirect: 'manual' });
    assert(reused.status === 401, 'the link opens once; again it is ' + reused.status);
    assert(/swarm dashboard/.test(await reused.text()), 'the refusal says how to get a fresh link');
    const withCookie = (value) => fetch(base + '/api/status', { headers: { Cookie: 'swarm_session=' + value } });
    assert((await withCookie(c.value)).status === 200, 'the API takes the session cookie');
    assert((await withCookie(c.value.slice(1) + '0')).status === 401, 'and no other');
  });

  await check('`swarm dashboard` prints a fresh link that signs in once', async () => {
    const r = swarmSync(['dashboard']);
    const m = /dashboard: (http:\/\/\S+)/.exec(r.stdout);
    assert(r.status === 0 && m, 'a link: ' + r.stdout + r.stderr);
    const first = await fetch(m[1], { redirect: 'manual' });
    assert(first.status === 303 && first.headers.get('location') === '/', 'a 303 to /: ' + first.status);
    assert(/^swarm_session=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/$/.test(first.headers.get('set-cookie')),
      'the cookie: ' + first.headers.get('set-cookie'));
    assert((await fetch(m[1], { redirect: 'manual' })).status === 401, 'once only');
  });

  // The count a column shows, as text.
  const count = (state) => page.locator(`.column[data-state="${state}"] h2 .count`).textContent();
  const card = (state, id) => page.locator(`.column[data-state="${state}"] .card[data-id="${id}"]`);

  await check('the board shows exact counts per state', async () => {
    // (With an agent at work the counts move: they must agree at some moment.)
    await until('the counts to agree with the status', async () => {
      const st = await (await fetch(base + '/api/status', { headers: auth })).json();
      for (const state of ['pending', 'ready', 'claimed', 'failed', 'completed'])
        if (await count(state) !== String(st.tasks[state])) return false;
      return true;
    }, 15000);
    await card('failed', failedTask.id).waitFor({ timeout: 15000 });
  });

  await page.evaluate(() => { window.__sameDocument = true; });

  await check('dragging a failed task to ready reopens it in the engine', async () => {
    await card('failed', failedTask.id).dragTo(page.locator('.column[data-state="ready"] .cards'));
    // (A served agent may take it at once.)
    const reopened = ['ready', 'pending', 'claimed', 'completed'];
    await until('the reopen', async () => reopened.includes(await taskState(failedTask.id)), 15000);
    if (!agentsMode) await card('ready', failedTask.id).waitFor({ timeout: 15000 });
  });

  // Through the event stream, not a poll: the page says 'live' only while its stream is
  // open (it says 'polling' without one). No wall-clock bound: a loaded machine may be
  // slow, and the test is about where the update comes from.
  const streamLive = async () => (await page.locator('#live').textContent()).trim() === 'live';
  await check('a completed task moves to the completed column through the live stream, no reload', async () => {
    await until('the event stream to be open', streamLive, 15000);
    let id;
    if (agentsMode) {
      id = await until('the agent to claim a task', async () => {
        const claimed = (await command('tasks', { state: 'claimed' })).tasks;
        return claimed.length > 0 && claimed[0].id;
      }, 20000);
      await card('claimed', id).waitFor({ timeout: 15000 });
      await until('the agent to complete it', async () => (await taskState(id)) === 'completed', 30000, 20);
    } else {
      const agent = 'web-tester';
      await command('agent.register', { name: agent });
      const claim = await command('task.claim', { agent });
      assert(claim.claimed !== false, 'a task to claim');
      id = claim.id;
      await card('claimed', id).waitFor({ timeout: 15000 });
      await command('task.complete', { id, agent, attempt: claim.attempt, result: 'done by the web test' });
    }
    await card('completed', id).waitFor({ timeout: 15000 });
    assert(await streamLive(), 'the page still on its event stream, not polling');
    assert(await page.evaluate(() => window.__sameDocument === true), 'the page was not reloaded');
  });

  await check('an illegal drop snaps back and shows the engine\'s reason', async () => {
    // A task still waiting for its dependencies (Sign-off is deferred for a day)
    // dropped on completed: no move leads there.
    const waiting = all.find((t) => t.title === 'Release notes');
    const id = waiting.id;
    const from = card('pending', id);
    await from.waitFor({ timeout: 15000 });
    await from.dragTo(page.locator('.column[data-state="completed"] .cards'));
    const toast = page.locator('.toast.error').filter({ hasText: id });
    await toast.waitFor({ timeout: 15000 });
    const text = await toast.textContent();
    assert(text.length > id.length + 10, 'a reason: ' + text);
    await card('pending', id).waitFor({ timeout: 2000 });
    assert(await card('completed', id).count() === 0, 'not left on completed');
    assert(await taskState(id) === 'pending', 'the engine left it waiting');
    console.log('     toast: ' + text);
  });

  await check('the quality view shows the baseline, the latest snapshot and the regression', async () => {
    await page.click('#tabs button[data-view="quality"]');
    await page.waitForSelector('#view-quality[data-loaded="true"]:not([hidden])');
    const row = page.locator('#quality-checks tr[data-check="test"]');
    await row.waitFor({ timeout: 5000 });
    const cells = await row.locator('td').allTextContents();
    assert(/^passed 0 errors/.test(cells[1]), 'the baseline passed: ' + cells[1]);
    assert(/^failed .*1 failing tests/.test(cells[2]), 'the latest failed one test: ' + cells[2]);
    const worse = await page.textContent('#quality-regressions');
    assert(/test new_failing_test: value is two|test build_broken/.test(worse), 'what got worse: ' + worse);
    const info = await page.textContent('#quality-info');
    assert(/Baseline: main at [0-9a-f]{12}, .* by operator/.test(info), 'the baseline line: ' + info);
    // A baseline recorded now (through the served engine) arrives on the stream.
    const before = await page.locator('#quality-trend tr').count();
    const again = swarmSync(['quality', 'baseline', '--config', 'gates.toml']);
    assert(again.status === 0, 'swarm quality baseline again: ' + again.stderr);
    await page.waitForFunction((n) => document.querySelectorAll('#quality-trend tr').length === n + 1,
      before, { timeout: 10000 });
    console.log('     ' + info);
  });

  await check('the agents view shows the tokens their models reported', async () => {
    await page.click('#tabs button[data-view="agents"]');
    await page.waitForSelector('#view-agents[data-loaded="true"]:not([hidden])');
    const heads = await page.locator('#view-agents thead th').allTextContents();
    assert(heads.includes('tokens') && heads.includes('cost'), 'tokens and cost columns: ' + heads.join(', '));
    await until('an agent with tokens', async () => {
      const cells = await page.locator('#agents-body tr td:nth-child(11)').allTextContents();
      return cells.some((c) => /^[1-9][0-9.]*[kM]?$/.test(c));
    }, 20000, 200);
  });

  await check('a screenshot of each view', async () => {
    mkdirSync(shotsDir, { recursive: true });
    for (const view of ['board', 'graph', 'agents', 'mail', 'reservations', 'memory', 'quality', 'progress']) {
      await page.click(`#tabs button[data-view="${view}"]`);
      await page.waitForSelector(`#view-${view}[data-loaded="true"]:not([hidden])`);
      await page.screenshot({ path: join(shotsDir, view + '.png') });
    }
    await page.click('#tabs button[data-view="board"]');
    await page.locator('.column[data-state="completed"] .card').first().click();
    await page.waitForSelector('#detail:not([hidden]) h3');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shotsDir, 'task-detail.png') });
    console.log('     screenshots in ' + shotsDir);
  });

  await check('a plan past 2,000 tasks is drawn as groups with their links', async () => {
    const areas = [];
    for (let a = 0; a < 3; a++) {
      const children = [];
      for (let i = 0; i < 700; i++) {
        const t = { title: `Area ${a} item ${i}` };
        if (a > 0 && i === 0) t.depends = [`Area ${a - 1} item 699`];
        children.push(t);
      }
      areas.push({ title: `Area ${a}`, children });
    }
    writeFileSync(join(work, 'large.json'), JSON.stringify({ prefix: 'big', tasks: areas }));
    const r = swarmSync(['load', 'large.json']);
    assert(r.status === 0, 'swarm load: ' + r.stderr);
    await page.click('#tabs button[data-view="board"]');
    await page.click('#tabs button[data-view="graph"]');
    await page.waitForFunction(() => /shown as \d+ groups/.test(document.getElementById('graph-info').textContent),
      null, { timeout: 15000 });
    const labels = await page.locator('#graph .node text').allTextContents();
    for (const a of ['Area 0', 'Area 1', 'Area 2']) {
      assert(labels.some((l) => new RegExp(`^${a} \\(\\d+/700\\)$`).test(l)),
        `a group for ${a} with its 700 leaves: ${labels.join(', ')}`);
    }
    assert(!labels.some((l) => l.startsWith('Area 0 item')), 'no single task of an area is drawn');
    assert(await page.locator('#graph path.edge').count() >= 2, 'the links between the areas');
    await page.screenshot({ path: join(shotsDir, 'graph-groups.png') });
    console.log('     ' + await page.textContent('#graph-info'));
  });
} catch (e) {
  failed++;
  console.log('FAIL setup\n     ' + describe(e));
  console.log('     serve ' + (serve.exitCode === null ? 'running' : 'exited ' + serve.exitCode) +
              '; stdout: ' + serveOut + (serveErr ? '\n     serve stderr: ' + serveErr : ''));
}
await finish();
