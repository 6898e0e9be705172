// Claude Code (npm @anthropic-ai/claude-code, pinned in package-lock.json) adds the
// built `swarm mcp` as an MCP server and reports it Connected: `claude mcp add swarm --
// SWARM mcp`, then `claude mcp list`, which starts the server and initializes it. Runs
// offline and without a login, in a temp HOME so no real configuration is touched.
//
//   node tests/mcp/claude_test.mjs --swarm BUILD/swarm
//
// Prints "N passed, N failed"; exits 1 on any failure.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const swarmBin = resolve(arg('--swarm', process.env.SWARM_BINARY || ''));
const claudeBin = join(here, 'node_modules', '.bin', 'claude');

let passed = 0;
let failed = 0;
function check(what, ok, detail = '') {
  if (ok) passed++;
  else {
    failed++;
    console.error(`FAIL ${what}${detail ? ':\n' + detail : ''}`);
  }
}
if (!existsSync(swarmBin) || !existsSync(claudeBin)) {
  console.error(`claude test: missing ${existsSync(swarmBin) ? claudeBin + ' (run scripts/setup-deps)' : swarmBin}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'swarm-claude-'));
const home = join(work, 'home');
mkdirSync(home);
const db = join(work, '.swarm', 'swarm.db');
const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'),
  DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', SWARM_AGENT: 'alice' };
delete env.ANTHROPIC_API_KEY;
const claude = (...args) => spawnSync(claudeBin, args, { cwd: work, env, encoding: 'utf8', timeout: 90000 });

const added = claude('mcp', 'add', 'swarm', '--', swarmBin, 'mcp', '--db', db);
check('claude mcp add swarm', added.status === 0, added.stdout + added.stderr);
const listed = claude('mcp', 'list');
const line = (listed.stdout || '').split('\n').find(l => l.startsWith('swarm:')) || '';
console.log(line);
check('claude mcp list shows swarm Connected', listed.status === 0 && /Connected/.test(line),
  listed.stdout + listed.stderr);
rmSync(work, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
