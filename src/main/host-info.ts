// Host and OS facts for the app's about line and status window, from systeminformation.
//
// Only si.osInfo is used (it reads /etc/os-release, uname, /etc/machine-id). NEVER fsSize, disksIO,
// blockDevices, fsStats or anything else that walks the mounts: fsSize runs `df`, which stats every
// mountpoint and hangs on a dead NFS mount (the reason this project exists).
//
// Even osInfo is not safe on the main thread: it calls execSync('hostname -f') (systeminformation
// lib/osinfo.js getFQDN), which blocks for the whole DNS lookup, seconds when the resolver is down, and
// the same outage often takes NFS with it. So it runs in a worker thread (this same file), and the main
// thread only waits on a message, with a timeout after which the worker is terminated.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import si from 'systeminformation';

export interface HostInfo {
  hostname: string;
  /** "Debian GNU/Linux 12 (bookworm)". */
  distro: string;
  release: string;
  kernel: string;
  arch: string;
  uptimeSeconds: number;
}

const WORKER_MARK = 'msm-host-info';

type OsFacts = Pick<si.Systeminformation.OsData, 'hostname' | 'distro' | 'release' | 'codename' | 'kernel' | 'arch'>;

export function toHostInfo(os: OsFacts, uptimeSeconds: number): HostInfo {
  return {
    hostname: os.hostname,
    distro: os.codename ? `${os.distro} ${os.release} (${os.codename})` : `${os.distro} ${os.release}`.trim(),
    release: os.release,
    kernel: os.kernel,
    arch: os.arch,
    uptimeSeconds,
  };
}

/** Host facts, gathered off the main thread; rejects after timeoutMs (the worker is terminated). */
export function hostInfo(timeoutMs = 10_000): Promise<HostInfo> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: WORKER_MARK });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`host facts not gathered within ${timeoutMs} ms (slow DNS for hostname -f?)`));
    }, timeoutMs);
    worker.once('message', (info: HostInfo) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(info);
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** "alice-ws · Debian GNU/Linux 12 (bookworm) · Linux 6.1.0". */
export function hostLine(h: HostInfo): string {
  return `${h.hostname} · ${h.distro} · Linux ${h.kernel}`;
}

if (!isMainThread && workerData === WORKER_MARK) {
  void si.osInfo().then((os) => parentPort?.postMessage(toHostInfo(os, si.time().uptime)));
}
