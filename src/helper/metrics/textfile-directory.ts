// Whether root may write the metrics textfile in a directory: only if no other account can change what
// is in it. An account that can write the directory (node_exporter's may belong to `prometheus`) could
// plant a symlink or swap a file between our open and rename, and have root overwrite any file. So the
// directory, and every directory on the way to it, must belong to root (or to the helper's own uid), and
// the directory itself must be writable by its owner only; a directory on the way may be writable by
// others only with the sticky bit (/tmp: nobody else can rename or remove root's entries there).
import { lstat, realpath } from 'node:fs/promises';

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

/** Why the textfile may not be written in `dir`, in words that say what to do; undefined when it may. */
export async function textfileDirectoryProblem(dir: string): Promise<string | undefined> {
  const real = await realpath(dir);
  const own = new Set([0, process.geteuid?.() ?? 0]);
  const parts = real.split('/').filter((p) => p !== '');
  const fix = `make it root's and writable by root only (chown root: ${real}; chmod go-w ${real}) or choose another directory`;
  for (let i = 0; i <= parts.length; i++) {
    const path = `/${parts.slice(0, i).join('/')}`;
    const st = await lstat(path);
    const here = i === parts.length;
    const which = here ? `the directory ${real}` : `${path}, on the way to ${real},`;
    if (!own.has(st.uid)) return `${which} belongs to uid ${st.uid}, not root, who could swap the file root writes for a link: ${fix}`;
    const sticky = (st.mode & 0o1000) !== 0;
    if ((st.mode & 0o022) !== 0 && (here || !sticky)) {
      return `${which} is writable by others than its owner (mode ${octal(st.mode)}), who could swap the file root writes for a link: ${fix}`;
    }
  }
  return undefined;
}
