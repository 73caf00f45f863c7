#!/usr/bin/env node
// One command to check the relay peer: `node bench/peer/check.mjs` (or `npm run check` here).
// It runs check.test.ts with the repo's vitest (tests/node_modules), which starts a private
// redis-server and the peer, drives them through tests/support/client.ts and decodes every frame
// with agent-client/src/proto/codec.ts. Needs: redis-server on PATH, `npm ci` here and in tests/,
// and python3 for the codec's generated tables (made here when missing or older than the schema).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');

function fail(message) {
  process.stderr.write(`check: ${message}\n`);
  process.exit(1);
}

if (!existsSync(join(here, 'node_modules', 'ioredis'))) fail(`run \`npm ci\` in ${here} first`);
const vitest = join(root, 'tests', 'node_modules', '.bin', 'vitest');
if (!existsSync(vitest))
  fail(`run \`npm ci\` in ${join(root, 'tests')} first (the check uses its vitest and ws)`);
if (spawnSync('redis-server', ['--version']).status !== 0) fail('redis-server is not on PATH');

// the codec's tables are generated from proto/schema.yaml (agent-client's `npm run gen`)
const schema = join(root, 'proto', 'schema.yaml');
const gen = join(root, 'agent-client', 'src', 'proto', 'schema.gen.ts');
if (!existsSync(gen) || statSync(gen).mtimeMs < statSync(schema).mtimeMs) {
  const r = spawnSync('python3', [join(root, 'proto', 'gen.py'), 'ts', gen], { stdio: 'inherit' });
  if (r.status !== 0) fail('proto/gen.py failed');
}

const r = spawnSync(
  vitest,
  ['run', '--root', here, '--dir', here, '--testTimeout', '20000', '--hookTimeout', '20000', 'check.test.ts'],
  { stdio: 'inherit', cwd: here },
);
process.exit(r.status ?? 1);
