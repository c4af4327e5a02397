#!/usr/bin/env -S node --max-semi-space-size=1 --optimize-for-size --jitless
// The `mountstatus` command (package.json "bin"). The code is compiled TypeScript in dist/.
// The V8 flags keep the daemon small: a 1 MB young generation, and no compiler at all (--jitless: only the
// interpreter, so no machine code is kept) took its peak RSS at 5,000 mounts from 203 MB (no flags) to 76 MB with about
// 5 % more CPU a sweep (the per-sweep JavaScript is light; --no-opt alone left 89 MB; docs/performance.md).
const entry = new URL('../dist/src/helper/cli/main.js', import.meta.url);
let main;
try {
  ({ main } = await import(entry.href));
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('mountstatus: not built yet: run `npm run build` (or `npm ci`) in the package directory\n');
    process.exit(2);
  }
  throw err;
}
const code = await main(process.argv.slice(2));
// Writes to a pipe can still be queued (a reader slower than a 1,000-mount JSON report): let them out
// first. A write's callback runs once everything written before it has gone.
await Promise.all([process.stdout, process.stderr].map((s) => new Promise((resolve) => s.write('', resolve))));
// Probe children stuck in D state are not ours to wait for: exit with the result now.
process.exit(code);
