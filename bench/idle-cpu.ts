// The daemon's CPU when nothing is wrong, with its default settings (interval 60 s, timeout 10 s, the
// watch tier every 1 s): a real `mountstatus daemon` (syslog off) over every mount of this namespace, its
// CPU and that of its descendants (the prober, its workers and children) read from /proc over
// `seconds`, after its first sweep. A scenario adds options (`--watch`) or a client connected meanwhile
// (`status --follow`: its user's home goes into the watch tier).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLOCK_TICK_MS = 10; // USER_HZ 100 (proc(5))

export interface IdleFigures {
  seconds: number;
  sweeps: number;
  /** CPU of the daemon and its descendants, ms per minute. */
  cpuMsPerMinute: number;
  /** The same as a share of one core. */
  percentOfOneCore: number;
  peakRssKb: number;
}

/** utime+stime+cutime+cstime of a process, in ms (reaped children included). */
function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * CLOCK_TICK_MS;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** The daemon's CPU with every live descendant's (the dead ones are in its cutime/cstime already). */
function treeCpuMs(pid: number): number {
  let total = 0;
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop()!;
    total += cpuMsOf(p);
    todo.push(...childrenOf(p));
  }
  return total;
}

export interface IdleScenario {
  /** More daemon options. */
  args?: string[];
  /** A client started once the daemon runs, given the daemon's socket; ended afterwards. */
  client?: (bin: string, socketPath: string) => ChildProcess;
  /** Run with the client still connected, after the measurement (its time is not counted). */
  afterwards?: (bin: string, socketPath: string) => Promise<void>;
}

export async function measureIdle(seconds: number, nodeFlags: string[], scenario: IdleScenario = {}): Promise<IdleFigures> {
  const bin = fileURLToPath(new URL('../../bin/mountstatus.js', import.meta.url));
  const socket = scenario.client ? join(mkdtempSync(join(tmpdir(), 'msm-idle-')), 'run', 'helper.sock') : '';
  const daemon = spawn(process.execPath, [...nodeFlags, bin, 'daemon', '--no-syslog', '--socket', socket, ...(scenario.args ?? [])], { stdio: ['ignore', 'ignore', 'pipe'] });
  let client: ChildProcess | undefined;
  let log = '';
  daemon.stderr!.setEncoding('utf8');
  daemon.stderr!.on('data', (s: string) => (log += s));
  try {
    const sweeps = (): number => log.split('\n').filter((l) => /Checked \d+ mounts? in/.test(l)).length;
    const deadline = Date.now() + 60_000;
    while (sweeps() === 0) {
      if (Date.now() > deadline || daemon.exitCode !== null) throw new Error(`the daemon did not sweep: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    if (scenario.client) {
      client = scenario.client(bin, socket);
      await new Promise((r) => setTimeout(r, 3000)); // connected, its home resolved and watched
    }
    const before = treeCpuMs(daemon.pid!);
    const first = sweeps();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const cpu = treeCpuMs(daemon.pid!) - before;
    const status = readFileSync(`/proc/${daemon.pid}/status`, 'utf8');
    const peakRssKb = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    await scenario.afterwards?.(bin, socket);
    return { seconds, sweeps: sweeps() - first, cpuMsPerMinute: (cpu / seconds) * 60, percentOfOneCore: (cpu / (seconds * 1000)) * 100, peakRssKb };
  } finally {
    client?.kill('SIGINT');
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
  }
}
