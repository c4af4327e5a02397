// Will Chromium's sandbox start? Electron on Linux sandboxes its renderers with unprivileged user
// namespaces, or else with the setuid-root helper chrome-sandbox next to the binary; with neither it
// aborts at start ("The SUID sandbox helper binary was found, but is not configured correctly"). User
// namespaces are off on Debian kernels with kernel.unprivileged_userns_clone=0, with user.max_user_namespaces=0,
// and restricted by AppArmor on Ubuntu 24.04 (kernel.apparmor_restrict_unprivileged_userns=1), and a
// checkout's node_modules/electron/dist/chrome-sandbox is never setuid root. bin/start.js asks here
// first and says what to do instead of letting Electron die.
//
// The test is what electron-builder's AppImage launcher does (`unshare -Ur true`), run as the user who
// starts the app: only that user's answer counts (as root it always works: electron-builder#8951).
import { spawnSync } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface SandboxFacts {
  uid: number;
  /** Whether this user can make a user namespace with itself mapped to root, and if not, why. */
  userNamespaces: { ok: true } | { ok: false; why: string };
  /** chrome-sandbox next to the Electron binary, if there is one. */
  helper?: { path: string; setuidRoot: boolean };
}

function userNamespaces(): SandboxFacts['userNamespaces'] {
  const r = spawnSync('unshare', ['--user', '--map-root-user', 'true'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) return { ok: true };
  return { ok: false, why: (r.stderr || r.error?.message || `exit status ${r.status}`).trim() };
}

export function sandboxFacts(electronBinary: string, uid: number = process.getuid?.() ?? 0): SandboxFacts {
  const path = join(dirname(electronBinary), 'chrome-sandbox');
  let helper: SandboxFacts['helper'];
  try {
    const st = lstatSync(path);
    helper = { path, setuidRoot: st.isFile() && st.uid === 0 && (st.mode & 0o4000) !== 0 };
  } catch {
    helper = undefined;
  }
  return { uid, userNamespaces: userNamespaces(), ...(helper ? { helper } : {}) };
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** What to tell the user when Electron would die at start, or undefined when it will start. */
export function sandboxAdvice(f: SandboxFacts): string | undefined {
  if (f.uid === 0) {
    return (
      'Electron does not run as root with its sandbox. Start the tray app as your desktop user; what runs as root ' +
      'is the helper (sudo systemctl start mount-status-monitor).'
    );
  }
  if (f.userNamespaces.ok || f.helper?.setuidRoot) return undefined;
  const helper = f.helper?.path ?? 'chrome-sandbox';
  return [
    `Chromium's sandbox cannot start here: uid ${f.uid} cannot create user namespaces (unshare --user --map-root-user: ${f.userNamespaces.why}), and ${helper} is not setuid root.`,
    'Do one of these:',
    '  - allow unprivileged user namespaces: on Debian, sudo sysctl -w kernel.unprivileged_userns_clone=1; on Ubuntu 24.04, install an',
    '    AppArmor profile that allows them for this Electron binary (the .deb does), or sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0;',
    '    elsewhere check user.max_user_namespaces;',
    `  - or make the sandbox helper setuid root: sudo chown root:root ${quote(helper)} && sudo chmod 4755 ${quote(helper)}`,
    "  - or run without Chromium's sandbox (the window shows only the app's own files): MSM_NO_SANDBOX=1 npm start",
  ].join('\n');
}
