// An unmount acts on the caller's mount namespace only (mount_namespaces(7)). A helper started in a
// private copy of the host's mounts (systemd's PrivateMounts=, ProtectSystem=, PrivateTmp= and friends
// give a service its own namespace) would detach the mount from its copy alone, free nobody, and report
// success. So before unmounting, the helper compares its namespace with the host's: PID 1's, or another
// reference process's (tests run the helper in a private namespace of their own and name their own pid).
import { readlink } from 'node:fs/promises';

/** Why unmounting here would not reach the host's mounts, or undefined when it would. */
export async function foreignNamespaceReason(referencePid = 1): Promise<string | undefined> {
  let ours: string;
  let host: string;
  try {
    // readlink of /proc/PID/ns/mnt ("mnt:[4026531841]") touches no mount; PID 1's needs root (ptrace access).
    [ours, host] = await Promise.all([readlink('/proc/self/ns/mnt'), readlink(`/proc/${referencePid}/ns/mnt`)]);
  } catch (err) {
    return `cannot compare the helper's mount namespace with PID ${referencePid}'s: ${(err as Error).message}`;
  }
  if (ours === host) return undefined;
  return (
    `the helper runs in its own mount namespace (${ours}), not the host's (PID ${referencePid}: ${host}), so an unmount ` +
    `would only detach its private copy: run the helper in the host's mount namespace (no PrivateMounts=, ` +
    `ProtectSystem=, ProtectHome=, PrivateTmp= or ReadOnlyPaths= in its unit)`
  );
}
