// The `mountstatus` bin as users reach it: `npx mountstatus` from the repo root after `npm ci`, and the
// command a global install puts on the PATH (its shebang carries the helper's V8 flags).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

test('npx mountstatus works from the repository root', () => {
  const r = spawnSync('npx', ['--offline', 'mountstatus', '--version'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), VERSION);
});

test('a global install puts a working mountstatus on the PATH', () => {
  const prefix = mkdtempSync('/tmp/msm-global-');
  try {
    const install = spawnSync('npm', ['install', '--global', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, ROOT], { encoding: 'utf8' });
    assert.equal(install.status, 0, install.stderr);
    const bin = join(prefix, 'bin', 'mountstatus');
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), VERSION);
    const help = spawnSync(bin, ['check', '--help'], { encoding: 'utf8' });
    assert.match(help.stdout, /^usage: mountstatus check/);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});
