// The helper must run in the host's mount namespace (issue 12): compare ours with init's. Both links
// are procfs (namespaces(7): /proc/PID/ns/mnt reads "mnt:[INODE]"), never a mountpoint we probe.
import { readlinkSync } from 'node:fs';
import { foreignMountNamespace, type LogLine } from '../log/lines.js';

/**
 * The warning line when our mount namespace differs from PID 1's; undefined when they are the same or
 * we may not look at PID 1's (reading another user's ns link needs ptrace access: not root).
 */
export function mountNamespaceWarning(readlink: (path: string) => string = readlinkSync): LogLine | undefined {
  let own: string;
  let init: string;
  try {
    own = readlink('/proc/self/ns/mnt');
    init = readlink('/proc/1/ns/mnt');
  } catch {
    return undefined;
  }
  return own === init ? undefined : foreignMountNamespace(own, init);
}
