// `npm run bench:idle [SECONDS]`: the CPU an idle `mountstatus daemon` costs with the shipped defaults
// (sweeps every 60 s, the watch tier every 1 s), in a private mount namespace with this machine's own
// mounts: with nobody watching, with one client connected (its home in the watch tier), and with ten
// watched mounts (`--watch`). CPU is the daemon's, its fork server's and every probe child's (from
// /proc/PID/stat: utime+stime, plus cutime+cstime for reaped children), over SECONDS (default 30) after
// a 5 s warm-up. Prints figures, never asserts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MARK = 'MSM_BENCH_PRIVATE_NS';
const BIN = fileURLToPath(new URL('../../bin/mountstatus.js', import.meta.url));
const TICK_MS = 10; // USER_HZ 100 (proc(5))

function reexecInPrivateNamespace(): void {
  if (process.env[MARK] === 'inside') return;
  if (process.getuid?.() !== 0) {
    console.error('the benchmark mounts tmpfs in a private mount namespace: run it as root');
    process.exit(2);
  }
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [MARK]: 'inside' },
  });
  process.exit(r.status ?? 1);
}

/** CPU ms of a process and its descendants, alive and reaped. */
function treeCpuMs(pid: number): number {
  let total = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.pop()!;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime, cutime, cstime: fields 14-17, at 11-14 after the ")" that ends field 2.
      total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS;
      for (const c of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(' ')) if (c.trim()) queue.push(Number(c));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(label: string, args: string[], seconds: number, during?: (socket: string) => ChildProcess): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'msm-idle-'));
  const socket = join(dir, 'run', 'helper.sock');
  const daemon = spawn(process.execPath, [BIN, 'daemon', '--socket', socket, '--no-syslog', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  daemon.stderr!.on('data', (d: Buffer) => (log += d));
  await sleep(1500);
  const client = during?.(socket);
  await sleep(5000);
  const before = treeCpuMs(daemon.pid!);
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const cpu = treeCpuMs(daemon.pid!) - before;
  const wall = Date.now() - t0;
  client?.kill('SIGINT');
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  const sweeps = (log.match(/Checked \d+ mounts? in/g) ?? []).length;
  console.log(`| ${label} | ${((cpu / wall) * 100).toFixed(2)} % | ${cpu} ms in ${(wall / 1000).toFixed(0)} s | ${sweeps} |`);
}

async function main(): Promise<void> {
  reexecInPrivateNamespace();
  const seconds = Number(process.argv[2] ?? 30);
  const base = mkdtempSync(join(tmpdir(), 'msm-idle-mounts-'));
  const watched: string[] = [];
  for (let i = 0; i < 10; i++) {
    const m = join(base, `w${i}`);
    mkdirSync(m);
    spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'x', m]);
    watched.push(m);
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n').length;
  console.log(`Idle daemon with the shipped defaults (interval 60 s, watch-interval 1 s, slow-after 1.5 s), ${mounts} mounts in the table, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}:`);
  console.log('| scenario | CPU of one core | CPU time | sweeps |');
  console.log('|---|---|---|---|');
  await measure('nobody watching', [], seconds);
  await measure('one client connected (`status --follow`: its home watched)', [], seconds, (socket) =>
    spawn(process.execPath, [BIN, 'status', '--follow', '--json', '--socket', socket], { stdio: 'ignore' }),
  );
  await measure('ten watched mounts (`--watch`)', ['--watch', `${base}/*`], seconds);
}

void main();
