// Debian's Alertmanager as the tests' own instance, beside their Prometheus (prometheus.ts): a free
// loopback port, its config, data and cluster state in a temp dir, clustering off (no gossip port), ended
// by PID. And a webhook receiver, a plain Node HTTP server on loopback, that keeps every notification.
//
//   const hook = await startWebhookReceiver();
//   const am = await startAlertmanager(configText);   // receivers' URLs pointing at hook.url
//   const [n] = await hook.waitFor((n) => n.groupLabels.server === 'nfs1');
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startInstance, type Instance } from './prometheus.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Why the Alertmanager tests can't run here (for skipOrFail), or undefined. */
export function alertmanagerUnavailable(): string | undefined {
  for (const bin of ['prometheus-alertmanager', 'amtool']) {
    if (spawnSync(bin, ['--version']).error) return `${bin} is missing: bash scripts/install-test-prereqs.sh (Debian's prometheus-alertmanager)`;
  }
  return undefined;
}

export async function startAlertmanager(config: string): Promise<Instance> {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-alertmanager-'));
  const port = await freePort();
  writeFileSync(join(dir, 'alertmanager.yml'), config);
  return startInstance(
    'prometheus-alertmanager',
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    port,
    dir,
    '/-/ready',
  );
}

/** One webhook notification as Alertmanager posts it (its JSON, version 4), with when it arrived. */
export interface Notification {
  receivedAt: number;
  /** The URL path the receiver was configured with, e.g. "/storage". */
  path: string;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

export interface WebhookReceiver {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly notifications: readonly Notification[];
  /** Resolves with every notification so far once one matches; rejects after timeoutMs. */
  waitFor(match: (n: Notification) => boolean, timeoutMs: number): Promise<Notification[]>;
  close(): Promise<void>;
}

export function startWebhookReceiver(): Promise<WebhookReceiver> {
  const notifications: Notification[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      try {
        notifications.push({ ...(JSON.parse(body) as Omit<Notification, 'receivedAt' | 'path'>), receivedAt: Date.now(), path: req.url ?? '' });
        res.writeHead(200).end();
      } catch (e) {
        res.writeHead(400).end(String(e));
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        notifications,
        async waitFor(match, timeoutMs) {
          const deadline = Date.now() + timeoutMs;
          while (!notifications.some(match)) {
            if (Date.now() > deadline) throw new Error(`no such notification within ${timeoutMs} ms; got ${JSON.stringify(notifications, null, 1)}`);
            await sleep(100);
          }
          return [...notifications];
        },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
