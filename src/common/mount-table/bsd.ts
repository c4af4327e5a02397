// Parser for the listing of `mount` with no arguments on macOS and FreeBSD:
//
//   /dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)
//   map auto_home on /System/Volumes/Data/home (autofs, automounted, nobrowse)
//   server:/export on /home/x (nfs, nodev, nosuid, automounted, mounted by bob)
//
// Both print it with printf("%s on %s (%s", f_mntfromname, f_mntonname, f_fstypename), then ", flag" per
// mount flag and ", mounted by USER" for user mounts, then ")" (sbin/mount/mount.c: prmount() in FreeBSD and
// in Apple's diskdev_cmds). Nothing is escaped, so:
// - the option list is the text after the LAST " (" (a mountpoint may contain " (", an option never does);
// - source and mountpoint are split at the FIRST " on /" (a mountpoint is absolute and may contain " on /"
//   itself; a source such as "map -hosts" or "//bob@srv/share" does not);
// - a newline in a mountpoint splits its line in two: both halves are reported as malformed. Only a native
//   getmntinfo(3) reader could do better.
// The fstype is the first item of the list; the rest go to mountOptions. BSD has no mount ids: mountId is
// the 1-based line number, parentId -1, device and root "" (unknown), superOptions [].
import type { MountEntry, MountTableProblem, ParsedMountTable } from '../mount.js';

/** Parses one line of a BSD/macOS `mount` listing; returns the entry, or the reason it is malformed. */
export function parseBsdMountLine(line: string, lineNo: number): MountEntry | string {
  if (!line.endsWith(')')) return 'no "(fstype, options)" list at the end of the line';
  const open = line.lastIndexOf(' (');
  if (open < 0) return 'no "(fstype, options)" list at the end of the line';
  const list = line.slice(open + 2, -1);
  if (list.includes('(') || list.includes(')')) return 'unbalanced parentheses in the option list';
  const head = line.slice(0, open);
  const on = head.indexOf(' on /');
  if (on < 0) return 'no " on /mountpoint" in the line';
  const source = head.slice(0, on);
  const mountpoint = head.slice(on + 4);
  const items = list.split(',').map((s) => s.trim());
  const fstype = items[0] ?? '';
  if (fstype === '') return 'empty filesystem type';
  return {
    mountId: lineNo,
    parentId: -1,
    device: '',
    root: '',
    mountpoint,
    mountOptions: items.slice(1).filter((s) => s !== ''),
    optionalFields: [],
    fstype,
    source,
    superOptions: [],
  };
}

/** Parses the whole `mount` listing. Blank lines are skipped; a malformed line is a problem, never a throw. */
export function parseBsdMount(text: string): ParsedMountTable {
  const entries: MountEntry[] = [];
  const problems: MountTableProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const r = parseBsdMountLine(line, i + 1);
    if (typeof r === 'string') problems.push({ line: i + 1, text: line, reason: r });
    else entries.push(r);
  }
  return { entries, problems };
}

/** The user a BSD/macOS mount was made by ("mounted by bob"), if it says. */
export function bsdMountedBy(entry: MountEntry): string | undefined {
  for (const o of entry.mountOptions) if (o.startsWith('mounted by ')) return o.slice('mounted by '.length);
  return undefined;
}
