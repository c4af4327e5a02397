// Starts Debian's real rsyslogd for a test, with a private config: it listens (imuxsock) on a socket in
// a temporary directory, never on the host's /dev/log (SysSock.Use="off" turns off imuxsock's default
// system socket), and writes every message to a file in a template that keeps what tests assert on:
//
//   daemon.warning MountStatusMonitor[1234]: Checked 37 mounts in 60 seconds: 1 dead
//
// With { atDevLog: true } inside a private mount namespace (see namespace.ts) the socket is truly
// /dev/log: an overlayfs is mounted over /dev in this namespace only (lower: the real /dev, upper: a
// temp dir), so rsyslogd creates /dev/log in the upper layer and the host's /dev is never written.
// Submounts of /dev (pts, shm, mqueue) are hidden while it is mounted; the tests do not need them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Rsyslog {
  socketPath: string;
  pid: number;
  /** The file rsyslogd writes, one message a line. */
  logFile: string;
  /** Every line written so far. */
  lines(): Promise<string[]>;
  /** Resolves with the first line equal to (string) or matching (RegExp) the pattern; rejects after timeoutMs. */
  waitForLine(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  /** SIGSTOP: the daemon stops reading its socket, as a hung syslog would. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
  /** Stops rsyslogd (SIGTERM, then SIGKILL), unmounts the /dev overlay if any, removes the temp dir. */
  stop(): Promise<void>;
}

export interface RsyslogOptions {
  /** Listen at /dev/log (needs root inside a private mount namespace). */
  atDevLog?: boolean;
  /** Listen on this socket path instead of one in the temp dir (its directory must exist). */
  socketPath?: string;
}

/** Why rsyslogd cannot run here, or undefined when it can. */
export function rsyslogUnavailable(): string | undefined {
  const r = spawnSync('rsyslogd', ['-v'], { encoding: 'utf8' });
  if (r.error) return `rsyslogd not found (apt-get install rsyslog): ${r.error.message}`;
  return undefined;
}

function config(dir: string, socketPath: string, logFile: string): string {
  return `
global(workDirectory="${dir}")
module(load="imuxsock" SysSock.Use="off")
# Rate limiting off: the tests send thousands of lines on purpose.
input(type="imuxsock" Socket="${socketPath}" CreatePath="on" RateLimit.Interval="0" UsePIDFromSystem="off")
template(name="exact" type="string"
  string="%syslogfacility-text%.%syslogseverity-text% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\\n")
*.* action(type="omfile" file="${logFile}" template="exact")
`;
}


export async function startRsyslog(options: RsyslogOptions = {}): Promise<Rsyslog> {
  const dir = mkdtempSync(join(tmpdir(), 'msm-rsyslog-'));
  const logFile = join(dir, 'messages');
  let overlay = false;
  let socketPath = options.socketPath ?? join(dir, 'log');
  if (options.atDevLog) {
    if (process.env.MSM_TEST_PRIVATE_NS !== 'inside') {
      rmSync(dir, { recursive: true, force: true });
      throw new Error('atDevLog needs a private mount namespace: call privateMountNamespace() first');
    }
    mkdirSync(join(dir, 'upper'));
    mkdirSync(join(dir, 'work'));
    const m = spawnSync('mount', ['-t', 'overlay', 'msm-devlog', '-o',
      `lowerdir=/dev,upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`, '/dev'], { encoding: 'utf8' });
    if (m.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`couldn't mount an overlay on /dev in this namespace: ${m.stderr.trim()}`);
    }
    overlay = true;
    socketPath = '/dev/log';
  }
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(conf, config(dir, socketPath, logFile));
  const child: ChildProcess = spawn('rsyslogd', ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stderr?.on('error', () => {});
  child.on('error', (e) => (stderr += `spawn rsyslogd: ${e.message}`));
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));

  const readLines = async (): Promise<string[]> => {
    if (!existsSync(logFile)) return [];
    // Only complete lines: rsyslogd may be half way through writing the last one.
    const text = readFileSync(logFile, 'utf8');
    return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l !== '');
  };

  const cleanup = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exitPromise;
      clearTimeout(t);
    }
    if (overlay) spawnSync('umount', ['-l', '/dev']);
    rmSync(dir, { recursive: true, force: true });
  };

  // Ready when a line we send arrives: then imuxsock has bound the socket and omfile writes. (rsyslogd's
  // own "start" message goes to the journal when it runs under systemd, so it is no signal.)
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (existsSync(socketPath)) {
      spawnSync('logger', ['-u', socketPath, '-t', 'msm-rsyslog-ready', 'ready'], { stdio: 'ignore' });
    }
    if ((await readLines()).some((l) => l.includes('msm-rsyslog-ready'))) break;
    if (exited || Date.now() > deadline) {
      await cleanup();
      throw new Error(`rsyslogd did not start: ${stderr.trim() || 'no line came through within 10 s'}`);
    }
    await sleep(50);
  }

  return {
    socketPath,
    pid: child.pid!,
    logFile,
    lines: readLines,
    async waitForLine(pattern, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = (await readLines()).find((l) => (typeof pattern === 'string' ? l === pattern : pattern.test(l)));
        if (found !== undefined) return found;
        if (Date.now() > until) throw new Error(`no syslog line ${String(pattern)} within ${timeoutMs} ms`);
        await sleep(20);
      }
    },
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    stop: cleanup,
  };
}
