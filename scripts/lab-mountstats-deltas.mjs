// Measures what moves in /proc/self/mountstats under a healthy idle mount, netem delay 200ms, 20 % loss,
// a large sequential write and a full cut, in the lab guest (test/support/lab.ts): the figures behind
// docs/nfs-degrading.md and the thresholds of src/common/nfs-degrading.ts. Prints one line a second per
// mount; the raw reads are left in the run's results directory (printed at the end).
//   npm run build && node scripts/lab-mountstats-deltas.mjs
import { readFileSync } from 'node:fs';
import { runInGuest } from '../dist/test/support/lab.js';

const guest = readFileSync(new URL('./lab-mountstats-deltas.guest.mjs', import.meta.url), 'utf8');
const r = await runInGuest({
  script: `cat > /tmp/deltas.mjs <<'GUEST_EOF'\n${guest}\nGUEST_EOF\nnode /tmp/deltas.mjs`,
  timeoutMs: 15 * 60_000,
  onOutput: (line) => console.log(line),
});
console.log(`exit ${r.exitCode} (${r.accel}, script started ${r.bootMs} ms after qemu); reads in ${r.resultsDir}`);
process.exitCode = r.exitCode === 0 ? 0 : 1;
