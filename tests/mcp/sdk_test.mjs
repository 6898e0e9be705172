// The MCP server driven by the official TypeScript SDK client (@modelcontextprotocol/sdk,
// pinned in package-lock.json; `npm ci` from scripts/setup-deps), over stdio (`swarm mcp`,
// no engine running: it opens one in-process) and over Streamable HTTP (POST /mcp on a
// running `swarm serve`). Each run lists the tools, calls every one of them as agent
// "alice", and compares each result with what the engine holds, read through the
// `swarm ... --json` commands. The SDK itself checks each structuredContent against the
// tool's outputSchema.
//
//   node tests/mcp/sdk_test.mjs --swarm BUILD/swarm
//
// Prints "N passed, N failed"; exits 1 on any failure.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'package.json'));

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const swarmBin = resolve(arg('--swarm', process.env.SWARM_BINARY || ''));

let passed = 0;
let failed = 0;
function check(what, ok, detail = '') {
  if (ok) passed++;
  else {
    failed++;
    console.error(`FAIL ${what}${detail ? ': ' + detail : ''}`);
  }
}
function die(message) {
  console.error('mcp test: ' + message);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}

if (!existsSync(swarmBin)) die(`no swarm binary (pass --swarm PATH): ${swarmBin}`);
let Client, StdioClientTransport, StreamableHTTPClientTransport;
try {
  ({ Client } = await import(require.resolve('@modelcontextprotocol/sdk/client/index.js')));
  ({ StdioClientTransport } = await import(require.resolve('@modelcontextprotocol/sdk/client/stdio.js')));
  ({ StreamableHTTPClientTransport } = await import(
    require.resolve('@modelcontextprotocol/sdk/client/streamableHttp.js')));
} catch (e) {
  die(`@modelcontextprotocol/sdk is missing in ${join(here, 'node_modules')} (${e.message}): run scripts/setup-deps`);
}

const TOOLS = ['whoami', 'task_current', 'task_show', 'task_ready', 'task_claim', 'task_complete',
  'task_fail', 'task_progress', 'task_add', 'mail_send', 'mail_reply', 'mail_inbox', 'mail_ack',
  'mail_search', 'mail_thread', 'reserve', 'renew', 'release', 'check_reservations',
  'lease_acquire', 'lease_renew', 'lease_release', 'memory_add', 'memory_search', 'status'];

// A `swarm` command on the test's database; its --json output.
function cliOf(work, db) {
  return (...args) => {
    const r = spawnSync(swarmBin, [...args, '--db', db, '--json'], { cwd: work, encoding: 'utf8', timeout: 60000 });
    if (r.status !== 0) throw new Error(`swarm ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
}

function fresh() {
  const work = mkdtempSync(join(tmpdir(), 'swarm-mcp-'));
  const db = join(work, '.swarm', 'swarm.db');
  const cli = cliOf(work, db);
  return { work, db, cli };
}

// Registers the agents and adds the work, with no engine running.
function seed(cli) {
  cli('agent', 'register', 'alice');
  cli('agent', 'register', 'bob');
  cli('task', 'add', 'Build the parser', '--priority', 'P1');
  cli('task', 'add', 'Write the docs', '--priority', 'P3');
}

// Calls every tool as alice and compares with the database; `label` names the transport.
async function exercise(label, client, cli) {
  const called = new Set();
  const call = async (name, args = {}) => {
    called.add(name);
    const r = await client.callTool({ name, arguments: args });
    if (r.isError) throw new Error(`${name}: ${r.content?.[0]?.text}`);
    check(`${label} ${name}: text content is the structured content`,
      JSON.stringify(JSON.parse(r.content[0].text)) === JSON.stringify(r.structuredContent));
    return r.structuredContent;
  };
  const t = (what, ok, detail) => check(`${label} ${what}`, ok, detail);

  const { tools } = await client.listTools();
  t('tools/list names every tool', JSON.stringify(tools.map(x => x.name).sort()) === JSON.stringify([...TOOLS].sort()));
  t('no tool takes the acting agent', tools.every(x => !['agent', 'from', 'holder'].some(k => k in (x.inputSchema.properties || {}))));

  const me = await call('whoami');
  t('whoami is alice', me.name === 'alice');
  t('whoami heartbeats', cli('agents').agents.find(a => a.name === 'alice').last_heartbeat_us > 0);

  const status = await call('status');
  t('status counts the tasks', status.tasks.total === cli('status').tasks.total && status.tasks.total === 2);

  const ready = await call('task_ready');
  t('task_ready lists the ready tasks', JSON.stringify(ready.tasks.map(x => x.id)) === JSON.stringify(cli('ready').tasks.map(x => x.id)));

  const claim = await call('task_claim');
  const held = cli('tasks', '--id', claim.id);
  t('task_claim claims for alice', claim.claimed && held.state === 'claimed' && held.claimed_by === 'alice' && held.title === 'Build the parser');

  const current = await call('task_current');
  t('task_current is the claim', current.task.id === claim.id && current.attempt === claim.attempt);
  const shown = await call('task_show', { id: claim.id });
  t('task_show is the task', shown.id === held.id && shown.title === held.title && shown.state === held.state);

  const progress = await call('task_progress', { id: claim.id, attempt: claim.attempt, note: 'tokenizer done' });
  const notes = cli('memory', 'list', '--task', claim.id).memories;
  t('task_progress keeps the note', progress.note && notes.some(m => m.id === progress.note.id && m.content === 'tokenizer done' && m.agent === 'alice'));
  t('task_progress extends the lease', cli('tasks', '--id', claim.id).lease_expires_us === progress.lease_expires_us);

  const reserved = await call('reserve', { patterns: ['src/parser/**'], reason: 'parser' });
  const mine = () => cli('reservations', '--agent', 'alice').reservations;
  t('reserve reserves for alice', reserved.granted && mine().some(r => r.id === reserved.reservations[0].id && r.pattern === 'src/parser/**'));
  cli('reserve', 'src/lexer.cpp', '--agent', 'bob');
  const checked = await call('check_reservations', { paths: ['src/lexer.cpp', 'src/parser/a.cpp'], exclusive: true });
  t('check_reservations shows bob\'s, not mine', checked.conflicts.length === 1 && checked.conflicts[0].agent === 'bob');
  const renewed = await call('renew', {});
  t('renew renews mine', renewed.reservations.length === 1 && mine()[0].renewed_us === renewed.reservations[0].renewed_us);

  const lease = await call('lease_acquire', { name: 'slot:build', ttl_ms: 60000 });
  const leases = () => cli('lease', 'list').leases;
  t('lease_acquire takes it for alice', lease.acquired && leases().some(l => l.name === 'slot:build' && l.holder === 'alice' && l.token === lease.token));
  const lrenew = await call('lease_renew', { name: 'slot:build', token: lease.token });
  t('lease_renew extends it', lrenew.token === lease.token && leases().find(l => l.name === 'slot:build').expires_us === lrenew.expires_us);
  await call('lease_release', { name: 'slot:build', token: lease.token });
  t('lease_release frees it', !leases().some(l => l.name === 'slot:build' && l.holder === 'alice'));

  const sent = await call('mail_send', { to: ['bob'], subject: 'HANDOFF parser', body: 'the parser needs a lexer fix', category: 'HANDOFF' });
  const bobs = cli('mail', 'inbox', '--agent', 'bob').messages;
  t('mail_send delivers from alice', bobs.some(m => m.id === sent.id && m.from === 'alice' && m.ack_required === true));
  const answer = cli('mail', 'reply', sent.id, '--from', 'bob', '--body', 'on it');
  const inbox = await call('mail_inbox', { state: 'unread' });
  t('mail_inbox is alice\'s', JSON.stringify(inbox.messages.map(m => m.id)) === JSON.stringify(cli('mail', 'inbox', '--agent', 'alice', '--state', 'unread').messages.map(m => m.id)) && inbox.messages.some(m => m.id === answer.id));
  const acked = await call('mail_ack', { message: answer.id });
  t('mail_ack acks alice\'s copy', acked.state === 'acked' && cli('mail', 'inbox', '--agent', 'alice').messages.find(m => m.id === answer.id).state === 'acked');
  const replied = await call('mail_reply', { message: answer.id, body: 'thanks' });
  const thread = await call('mail_thread', { id: sent.id });
  const cliThread = cli('mail', 'thread', sent.id, '--agent', 'alice');
  t('mail_reply and mail_thread', replied.from === 'alice' && thread.messages.length === 3 && JSON.stringify(thread.messages.map(m => m.id)) === JSON.stringify(cliThread.messages.map(m => m.id)));
  const found = await call('mail_search', { query: 'lexer' });
  t('mail_search searches alice\'s mail', found.messages.some(m => m.id === sent.id) && JSON.stringify(found.messages.map(m => m.id)) === JSON.stringify(cli('mail', 'search', 'lexer', '--agent', 'alice').messages.map(m => m.id)));

  const learned = await call('memory_add', { content: 'The parser must reset the lexer between files', tags: ['parser'] });
  const memories = cli('memory', 'list', '--agent', 'alice').memories;
  t('memory_add stores a learning of alice', memories.some(m => m.id === learned.id && m.type === 'agent_learning' && m.kind === 'procedural'));
  const hits = await call('memory_search', { query: 'reset the lexer', k: 3 });
  t('memory_search finds it', hits.results.length > 0 && hits.results[0].id === learned.id);

  const added = await call('task_add', { title: 'Fix the lexer reset', priority: 0 });
  t('task_add links the claimed task', cli('tasks', '--id', added.id).discovered_from.includes(claim.id));

  const released = await call('release', { all: true });
  t('release releases mine', released.released.length === 1 && mine().length === 0);

  const done = await call('task_complete', { id: claim.id, attempt: claim.attempt, result: 'parser built' });
  const after = cli('tasks', '--id', claim.id);
  t('task_complete completes it', done.state === 'completed' && after.state === 'completed' && after.result === 'parser built');
  const again = await client.callTool({ name: 'task_complete', arguments: { id: claim.id, attempt: claim.attempt } });
  t('a refused call is isError with the engine\'s code', again.isError === true && /^invalid_state: /.test(again.content[0].text), JSON.stringify(again));

  const next = await call('task_claim');
  const failedTask = await call('task_fail', { id: next.id, attempt: next.attempt, reason: 'no time' });
  const failedRow = cli('tasks', '--id', next.id);
  t('task_fail gives it back', failedTask.id === next.id && failedRow.state !== 'claimed' && failedRow.result === 'no time');

  t('every tool was called', TOOLS.every(n => called.has(n)), TOOLS.filter(n => !called.has(n)).join(', '));
}

async function overStdio() {
  const { work, db, cli } = fresh();
  seed(cli);
  const transport = new StdioClientTransport({
    command: swarmBin, args: ['mcp', '--db', db], cwd: work,
    env: { ...process.env, SWARM_AGENT: 'alice' }, stderr: 'pipe',
  });
  const client = new Client({ name: 'swarm-sdk-test', version: '1.0.0' });
  await client.connect(transport);
  check('stdio: tools capability', client.getServerCapabilities()?.tools !== undefined);
  check('stdio: server is swarm', client.getServerVersion()?.name === 'swarm');
  await client.ping();
  await exercise('stdio:', client, cli);
  await client.close();
  rmSync(work, { recursive: true, force: true });
}

async function overHttp() {
  const { work, db, cli } = fresh();
  seed(cli);
  const serve = spawn(swarmBin, ['serve', '--db', db, '--listen', '127.0.0.1:0'], { cwd: work });
  let out = '';
  serve.stderr.on('data', d => { out += d; });
  try {
    const address = await new Promise((resolveAddress, reject) => {
      const timer = setTimeout(() => reject(new Error('swarm serve printed no address: ' + out)), 30000);
      serve.stdout.on('data', d => {
        out += d;
        const m = /serving http:\/\/(\S+)/.exec(out);
        if (m) { clearTimeout(timer); resolveAddress(m[1]); }
      });
      serve.on('exit', code => reject(new Error(`swarm serve exited ${code}: ${out}`)));
    });
    const token = readFileSync(join(work, '.swarm', 'token'), 'utf8').trim();
    const url = new URL(`http://${address}/mcp`);

    const denied = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    check('http: /mcp without the token is 401', denied.status === 401);
    const get = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    check('http: GET /mcp is 405', get.status === 405);

    const transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { Authorization: `Bearer ${token}`, 'X-Swarm-Agent': 'alice' } },
    });
    const client = new Client({ name: 'swarm-sdk-test', version: '1.0.0' });
    await client.connect(transport);
    check('http: server is swarm', client.getServerVersion()?.name === 'swarm');
    await client.ping();
    await exercise('http:', client, cli);
    await client.close();
  } finally {
    serve.kill('SIGTERM');
    await new Promise(r => (serve.exitCode !== null ? r() : serve.on('exit', r)));
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  await overStdio();
  await overHttp();
} catch (e) {
  failed++;
  console.error('FAIL ' + (e.stack || e));
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
