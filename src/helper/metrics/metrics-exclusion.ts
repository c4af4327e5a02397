// Which mounts get per-mount series. A Kubernetes node has thousands of mounts that come and go with its
// pods; one set of series for each would explode a time-series database, and none of them is what an
// admin wants to be woken for. So the per-mount metrics leave out, by default, what container runtimes
// and the kubelet mount for every pod and container, and at most `metrics-max-mounts` mounts are
// exported; what was left out is counted (mountstatus_omitted_mounts) and still counted by state in
// mountstatus_mounts, so a hung mount is never invisible, only unnamed.
//
// Patterns are the monitor's own (`exclude`): a mountpoint glob or fstype:GLOB. The defaults are paths,
// not filesystem types, because what lives there is known and what is not must stay: a pod's NFS or
// CSI volume (/var/lib/kubelet/pods/UID/volumes/kubernetes.io~nfs/NAME, .../kubernetes.io~csi/PV/mount,
// the CSI staging mounts under /var/lib/kubelet/plugins) is real storage that hangs like any other and
// is kept. `**/` in front covers the other kubelet and runtime roots (k0s, microk8s, rootless podman).
import { matchGlob } from '../../common/mount-table/glob.js';
import type { MountState, MountStatus } from '../../common/mount.js';
import { SettingsError } from '../../node/config/settings.js';
import { isProblem } from '../../common/state-classes.js';

export const DEFAULT_METRICS_EXCLUDE: readonly string[] = [
  // A pod's secrets, service-account tokens (projected) and memory-backed emptyDirs: tmpfs per pod.
  '**/kubelet/pods/*/volumes/kubernetes.io~secret/*',
  '**/kubelet/pods/*/volumes/kubernetes.io~projected/*',
  '**/kubelet/pods/*/volumes/kubernetes.io~empty-dir/*',
  // subPath bind mounts: a volume already exported, once more per container that uses it.
  '**/kubelet/pods/*/volume-subpaths/**',
  // containerd (also k3s, RKE2, Docker's containerd image store): each container's overlay rootfs, and
  // each pod sandbox's /dev/shm.
  '**/io.containerd.runtime.v2.task/**',
  '**/io.containerd.grpc.v1.cri/sandboxes/*/shm',
  // Docker's overlay2 rootfs and /dev/shm per container.
  '**/docker/overlay2/*/merged',
  '**/docker/containers/*/mounts/shm',
  // CRI-O and podman (containers/storage), rootful or rootless.
  '**/containers/storage/overlay/*/merged',
  '**/overlay-containers/*/userdata/shm',
];

export const DEFAULT_METRICS_MAX_MOUNTS = 500;

/** The value of metrics-exclude that empties the list (exports every mount, up to the cap). */
const NO_METRICS_EXCLUDE = 'none';

const FSTYPE_PREFIX = 'fstype:';

function matches(pattern: string, mount: Pick<MountStatus, 'mountpoint' | 'fstype'>): boolean {
  return pattern.startsWith(FSTYPE_PREFIX) ? matchGlob(pattern.slice(FSTYPE_PREFIX.length), mount.fstype) : matchGlob(pattern, mount.mountpoint);
}

/**
 * The list after some metrics-exclude values: each adds a pattern to `base` (DEFAULT_METRICS_EXCLUDE when
 * undefined), and `none` empties what came before it.
 */
export function addMetricsExclude(base: readonly string[] | undefined, values: readonly string[]): string[] {
  let list = [...(base ?? DEFAULT_METRICS_EXCLUDE)];
  for (const v of values) list = v === NO_METRICS_EXCLUDE ? [] : [...list, v];
  return list;
}

export interface ExportedMounts {
  /** The mounts that get per-mount series, in mount-table order, one per mountpoint. */
  mounts: MountStatus[];
  /** Left out by a metrics-exclude pattern. */
  excluded: number;
  /** Left out because more than maxMounts remained. */
  overLimit: number;
}

/**
 * Picks the mounts to export. Several mounts stacked on one path would give identical label sets
 * (Prometheus rejects such duplicates), so only the last one in table order, the one a lookup reaches,
 * is exported; the ones below are `covered` and stay counted in mountstatus_mounts. Over the cap, mounts
 * in trouble come first, then the rest in table order.
 */
export function selectExportedMounts(all: readonly MountStatus[], exclude: readonly string[], maxMounts: number): ExportedMounts {
  const top = new Map<string, MountStatus>();
  let excluded = 0;
  for (const m of all) {
    if (exclude.some((p) => matches(p, m))) {
      excluded++;
      continue;
    }
    top.delete(m.mountpoint); // re-inserted last: the top of a stack, in the order of its own line
    top.set(m.mountpoint, m);
  }
  const candidates = [...top.values()];
  if (candidates.length <= maxMounts) return { mounts: candidates, excluded, overLimit: 0 };
  const keep = new Set(candidates.filter((m) => isProblem(m.state)).slice(0, maxMounts));
  for (const m of candidates) {
    if (keep.size >= maxMounts) break;
    keep.add(m);
  }
  return { mounts: candidates.filter((m) => keep.has(m)), excluded, overLimit: candidates.length - keep.size };
}

/** metrics-max-mounts: a whole number of mounts; 0 keeps only the host-wide series. */
export function parseMetricsMaxMounts(text: string, where: string): number {
  const n = Number(text);
  if (!/^\s*[0-9]+\s*$/.test(text) || n > 1_000_000) {
    throw new SettingsError(`${where}: expected a whole number of mounts between 0 and 1000000, got ${JSON.stringify(text)}`);
  }
  return n;
}
