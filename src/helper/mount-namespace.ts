// The helper must run in the host's mount namespace: in a private copy (systemd's PrivateMounts=,
// ProtectSystem=, PrivateTmp= and friends give a service its own) it would check a copy of the mounts, and
// an unmount would detach the mount from that copy alone, free nobody, and report success. One comparison
// of our namespace with a reference process's (PID 1's; tests name their own), worded for the start-up
// warning and for refusing an unmount. Both links are procfs (namespaces(7): /proc/PID/ns/mnt reads
// "mnt:[INODE]"), never a mountpoint we probe; PID 1's needs root (ptrace access).
import { readlinkSync } from 'node:fs';
import { foreignMountNamespace, type LogLine } from './log/lines.js';

type Readlink = (path: string) => string;

/** Our namespace and the reference's, or why they could not be read. */
function compare(referencePid: number, readlink: Readlink): { ours: string; host: string } | { error: string } {
  try {
    return { ours: readlink('/proc/self/ns/mnt'), host: readlink(`/proc/${referencePid}/ns/mnt`) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/**
 * The start-up warning when our mount namespace differs from PID 1's; undefined when they are the same or
 * we may not look at PID 1's (not root).
 */
export function mountNamespaceWarning(readlink: Readlink = readlinkSync): LogLine | undefined {
  const c = compare(1, readlink);
  return 'error' in c || c.ours === c.host ? undefined : foreignMountNamespace(c.ours, c.host);
}

/** Why unmounting here would not reach the host's mounts, or undefined when it would. */
export function foreignNamespaceReason(referencePid = 1, readlink: Readlink = readlinkSync): string | undefined {
  const c = compare(referencePid, readlink);
  if ('error' in c) return `cannot compare the helper's mount namespace with PID ${referencePid}'s: ${c.error}`;
  if (c.ours === c.host) return undefined;
  return (
    `the helper runs in its own mount namespace (${c.ours}), not the host's (PID ${referencePid}: ${c.host}), so an unmount ` +
    `would only detach its private copy: run the helper in the host's mount namespace (no PrivateMounts=, ` +
    `ProtectSystem=, ProtectHome=, PrivateTmp= or ReadOnlyPaths= in its unit)`
  );
}
