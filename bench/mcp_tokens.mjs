// The token size of the MCP tools/list answer, which a client hands its model in every
// session: the built `swarm mcp` asked once, its result counted by two real tokenizers
// from npm (pinned in tests/mcp/package-lock.json): @anthropic-ai/tokenizer (Claude's
// published tokenizer; newer Claude models count somewhat differently) and
// gpt-tokenizer (o200k_base, GPT-4o's). Prints one JSON object.
//
//   node bench/mcp_tokens.mjs --swarm BUILD/swarm

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', 'tests', 'mcp', 'package.json'));
const i = process.argv.indexOf('--swarm');
const swarmBin = resolve(i > 0 ? process.argv[i + 1] : process.env.SWARM_BINARY || 'swarm');

const work = mkdtempSync(join(tmpdir(), 'swarm-mcp-tokens-'));
const input = [
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"tokens","version":"1"}}}',
  '{"jsonrpc":"2.0","id":2,"method":"tools/list"}',
].join('\n') + '\n';
const r = spawnSync(swarmBin, ['mcp', '--db', join(work, '.swarm', 'swarm.db')], { input, encoding: 'utf8', cwd: work });
rmSync(work, { recursive: true, force: true });
if (r.status !== 0) {
  console.error(`mcp_tokens: swarm mcp exited ${r.status}: ${r.stderr}`);
  process.exit(1);
}
const listed = JSON.parse(r.stdout.trim().split('\n')[1]).result;
const text = JSON.stringify(listed);
const claude = require('@anthropic-ai/tokenizer').countTokens(text);
const { encode } = await import(require.resolve('gpt-tokenizer/encoding/o200k_base'));
console.log(JSON.stringify({
  bench: 'mcp_tokens', tools: listed.tools.length, bytes: Buffer.byteLength(text),
  bytes_over_4: Math.round(Buffer.byteLength(text) / 4),
  claude_tokenizer: claude, o200k_base: encode(text).length,
}));
