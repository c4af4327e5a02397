// Debian's Prometheus and node_exporter as the tests' own instances: each on a free loopback port, with
// its config and data in a temp dir of its own, ended by PID (SIGTERM, then SIGKILL) and the dir
// removed. Never the packaged services (scripts/install-test-prereqs.sh keeps those stopped).
//
//   const prom = await startPrometheus({ targets: ['127.0.0.1:34567'], ruleFiles: [RULES] });
//   await prom.waitFor('mountstatus_mount_responsive{mountpoint="/mnt"} == 0');
//   await prom.stop();
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const RULES_FILE = fileURLToPath(new URL('../../../build/prometheus/mount-status-monitor.rules.yml', import.meta.url));
export const RULES_TEST_FILE = fileURLToPath(new URL('../../../test/helper/metrics/mount-status-monitor.rules.test.yml', import.meta.url));
export const ALERTMANAGER_FILE = fileURLToPath(new URL('../../../build/alertmanager/mount-status-monitor.yml', import.meta.url));

/** Why these tests can't run here (for skipOrFail), or undefined. */
export function prometheusUnavailable(): string | undefined {
  for (const bin of ['prometheus', 'promtool', 'prometheus-node-exporter']) {
    if (spawnSync(bin, ['--version']).error) return `${bin} is missing: bash scripts/install-test-prereqs.sh (Debian's prometheus, prometheus-node-exporter)`;
  }
  return undefined;
}

/** A loopback port nobody listens on right now (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}


// Instances still running when the test process exits (a failed assertion): killed, so none outlives it.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export interface Instance {
  readonly url: string;
  readonly pid: number;
  /** What it printed (Prometheus logs to stderr). */
  output(): string;
  stop(): Promise<void>;
}

export async function startInstance(bin: string, args: string[], port: number, dir: string, readyPath: string): Promise<Instance> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  live.add(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d));
  child.stderr!.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
    live.delete(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`${bin} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`);
    }
    const ok = await fetch(url + readyPath).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${bin} not ready on ${url} within 30 s:\n${output}`);
    }
    await sleep(100);
  }
  return { url, pid: child.pid!, output: () => output, stop };
}

export interface PrometheusServer extends Instance {
  /** An instant query; the result vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /**
   * Polls the query until it returns at least one sample; returns them. On timeout the error says what
   * the query, and the left side of a comparison such as `count(x) == 40`, last returned.
   */
  waitFor(expr: string, timeoutMs?: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  alerts(): Promise<{ labels: Record<string, string>; state: string }[]>;
  targets(): Promise<{ health: string; lastError: string; scrapeUrl: string }[]>;
}

export interface PrometheusOptions {
  targets: string[];
  ruleFiles?: string[];
  /** Scrape and rule evaluation interval (default 1 s). */
  intervalSeconds?: number;
  /** Targets through file-based service discovery (a targets.json, as docs/admin-guide.md shows) instead of a static list. */
  fileSd?: boolean;
  /**
   * Sends alerts to this Alertmanager (host:port), resending each active one every 10 s rather than every
   * minute, as docs/admin-guide.md advises: a notification then carries the annotations as of its group_wait.
   */
  alertmanager?: string;
}

export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-prometheus-'));
  const port = await freePort();
  const interval = `${opts.intervalSeconds ?? 1}s`;
  const targets = `[${opts.targets.map((t) => JSON.stringify(t)).join(', ')}]`;
  if (opts.fileSd) writeFileSync(join(dir, 'targets.json'), `[{"targets": ${targets}}]\n`);
  const config = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    `  scrape_timeout: ${interval}`,
    ...(opts.ruleFiles ? ['rule_files:', ...opts.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)] : []),
    ...(opts.alertmanager ? ['alerting:', '  alertmanagers:', '    - static_configs:', `        - targets: [${JSON.stringify(opts.alertmanager)}]`] : []),
    'scrape_configs:',
    '  - job_name: mount-status-monitor',
    ...(opts.fileSd
      ? ['    file_sd_configs:', `      - files: [${JSON.stringify(join(dir, 'targets.json'))}]`]
      : ['    static_configs:', `      - targets: ${targets}`]),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const instance = await startInstance(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...(opts.alertmanager ? ['--rules.alert.resend-delay=10s'] : []),
    ],
    port,
    dir,
    '/-/ready',
  );
  const api = async <T>(path: string): Promise<T> => {
    const r = await fetch(instance.url + path);
    const body = (await r.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? r.status}`);
    return body.data;
  };
  const query = async (expr: string) => (await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result;
  return {
    ...instance,
    query,
    async waitFor(expr, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const result = await query(expr);
        if (result.length > 0) return result;
        if (Date.now() > deadline) {
          const lhs = /^(.+?)\s*(?:==|!=|>=|<=|>|<)\s*[\d.]+$/.exec(expr)?.[1];
          const last = lhs ? `; ${lhs} was ${formatResult(await query(lhs))}` : '';
          throw new Error(`no result for ${expr} within ${timeoutMs} ms${last}\n${instance.output()}`);
        }
        await sleep(250);
      }
    },
    alerts: async () => (await api<{ alerts: { labels: Record<string, string>; state: string }[] }>('/api/v1/alerts')).alerts,
    targets: async () => (await api<{ activeTargets: { health: string; lastError: string; scrapeUrl: string }[] }>('/api/v1/targets')).activeTargets,
  };
}

/** A result vector in a line: `{label="value", ...} 3` per sample, or "empty". */
function formatResult(result: { metric: Record<string, string>; value: [number, string] }[]): string {
  if (result.length === 0) return 'empty';
  return result.map((s) => `{${Object.entries(s.metric).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}} ${s.value[1]}`).join('; ');
}

/** node_exporter with only the textfile collector, reading `directory`. */
export async function startNodeExporter(directory: string): Promise<Instance> {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-node-exporter-'));
  const port = await freePort();
  return startInstance(
    'prometheus-node-exporter',
    ['--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${directory}`, `--web.listen-address=127.0.0.1:${port}`],
    port,
    dir,
    '/metrics',
  );
}

/** `promtool check metrics` on a text: its complaints (empty when clean) and exit status. */
export function promtoolCheckMetrics(text: string | Buffer): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}
