#!/usr/bin/env node
// Runs the compiled tests with node:test. `node test/run.js` runs everything; `unit` or `integration`
// runs one kind (file names end in .unit.test.js or .integration.test.js, mirroring src/). Files ending in
// .lab.test.js need a kernel this machine may lack (autofs, NFS, CIFS): test/lab/lab-suite runs them in
// the lab's guest, so a plain run leaves them out (`node test/run.js lab` runs them here).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const kind = process.argv[2];
const root = new URL('../dist/test', import.meta.url).pathname;
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js') && (kind ? name.endsWith(`.${kind}.test.js`) : !name.endsWith('.lab.test.js'))) files.push(p);
  }
})(root);
if (files.length === 0) {
  console.error(`no ${kind ?? ''} test files under ${root}: run \`npm run build\` first`);
  process.exit(2);
}
// One file at a time: integration tests make real mounts and time real probes on a 2-core machine.
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
