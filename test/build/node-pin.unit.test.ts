// One Node everywhere: the Node 24 that npm ci installs for npm scripts (package.json
// optionalDependencies, pinned in package-lock.json) is the one the helper .deb carries
// (build/deb/node-runtime.json), and engines and @types/node name its major version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './build-tools.js';

const json = <T>(rel: string) => JSON.parse(readFileSync(join(ROOT, rel), 'utf8')) as T;
const pkg = json<{ engines: { node: string }; optionalDependencies: Record<string, string>; devDependencies: Record<string, string> }>('package.json');
const lock = json<{ packages: Record<string, { version: string; integrity: string }> }>('package-lock.json');
const deb = json<{ version: string; packages: Record<string, { name: string; integrity: string }> }>('build/deb/node-runtime.json');

test("npm scripts' Node is the .deb's, byte for byte", () => {
  const amd64 = deb.packages.amd64!;
  assert.equal(pkg.optionalDependencies[amd64.name], deb.version, 'package.json pins the exact version');
  const locked = lock.packages[`node_modules/${amd64.name}`];
  assert.deepEqual({ version: locked?.version, integrity: locked?.integrity }, { version: deb.version, integrity: amd64.integrity });
});

test('engines and @types/node name the same Node major', () => {
  const major = deb.version.split('.')[0]!;
  assert.equal(pkg.engines.node, `>=${major}`);
  assert.match(pkg.devDependencies['@types/node']!, new RegExp(`^\\^${major}\\.`));
  assert.equal(lock.packages['node_modules/@types/node']?.version.split('.')[0], major);
});
