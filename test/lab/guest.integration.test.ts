// The lab's guest itself (test/support/lab.ts): it boots Debian 13's kernel, runs a script as root with
// this Node and this build, has the kernel parts the scenarios need, streams the script's output, passes
// its exit status and files back, and keeps the kernel's log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipOrFail } from '../support/namespace.js';
import { labUnavailable, runInGuest } from '../support/lab.js';

const skip = skipOrFail(labUnavailable());

test('a trixie guest runs a script with this Node and build, and hands back its output, files, status and kernel log', { skip, timeout: 15 * 60_000 }, async () => {
  const streamed: string[] = [];
  const r = await runInGuest({
    script: [
      'uname -r',
      'node -p "process.version"',
      'node -e "import(\'./dist/src/common/mount-table/mountinfo.js\').then((m) => console.log(typeof m.parseMountinfo))"',
      // The kernel parts the scenarios use, loaded from the guest's modules.
      'for m in nfs nfsd autofs4 cifs sch_netem fuse nf_tables; do modprobe $m || echo "no module $m"; done',
      "awk '{print $2}' /proc/filesystems | grep -xE 'nfs4|autofs|cifs|fuse' | sort | tr '\\n' ' '; echo",
      'echo "$MSM_LAB_WORD" >/lab/results/word',
      'exit 3',
    ].join('\n'),
    env: { MSM_LAB_WORD: "it's here" },
    timeoutMs: 10 * 60_000,
    onOutput: (line) => {
      streamed.push(line);
      console.log(`# guest: ${line}`);
    },
  });
  console.log(`# ${r.release} guest (${r.accel}): script started ${r.bootMs} ms after qemu, guest off after ${r.elapsedMs} ms`);
  assert.equal(r.exitCode, 3, r.console);
  const lines = r.output.replace(/\n$/, '').split('\n');
  assert.deepEqual(streamed, lines, 'the output streamed line by line is the output kept');
  assert.match(lines[0]!, /^6\.12\./, 'Debian 13\'s kernel');
  assert.equal(lines[1], process.version, 'the Node running the tests');
  assert.equal(lines[2], 'function', 'this build, importable');
  assert.equal(lines[3], 'autofs cifs fuse nfs4 ', `the kernel has what the scenarios need: ${r.output}`);
  assert.equal(readFileSync(join(r.resultsDir, 'word'), 'utf8'), "it's here\n", 'env passed in, files passed out');
  assert.match(r.kmsg, /Linux version 6\.12/, 'the kernel log');
  assert.ok(r.bootMs !== undefined);
});
