// README's first command on a fresh Debian 12: the cached debootstrap tree (no Node, no npm, no
// compiler), booted pristine under systemd-nspawn with a throwaway overlay, given only what the machine's
// installer or admin would have set up (a user with sudo, and this machine's npm configuration and CA
// certificates, without which npm in the tree cannot reach the registry the way this machine does). The
// line README prints under **Install and start** then runs as that user, unchanged, in a real
// pseudo-terminal (tmux), and must end in the live mount table showing `/`, drawn by the Node 24 that
// npm ci installed. No package or npm cache is carried in: apt and npm fetch everything, as on a new machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { privateMountNamespace, skipOrFail } from '../support/namespace.js';
import { bootContainer, HOST_DIR, nspawnUnavailable, systemdTestTree, type Container } from '../support/nspawn.js';
import { readmeCommand } from '../support/readme-commands.js';
import { have, removeTree, ROOT, run, tempDir } from './build-tools.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? (nspawnUnavailable() ?? (have('tmux') ? undefined : 'needs tmux (apt package tmux)')) : ns.reason);

const USER = 'dev';
const PROJECT = `/home/${USER}/mount-status-monitor`;
const NODE_PACKAGE = `node-linux-${process.arch}`;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;

/** This machine's npm configuration (global, builtin-prefix and the user's) and CA certificates, laid out as in the tree. */
function machineSetup(into: string): void {
  const files: [string, string][] = [
    ['/etc/npmrc', '/etc/npmrc'],
    ['/usr/etc/npmrc', '/usr/etc/npmrc'],
    [join(homedir(), '.npmrc'), `/home/${USER}/.npmrc`],
    ['/etc/ssl/certs/ca-certificates.crt', '/etc/ssl/certs/ca-certificates.crt'],
  ];
  const local = '/usr/local/share/ca-certificates';
  if (existsSync(local)) for (const name of readdirSync(local)) files.push([join(local, name), join(local, name)]);
  for (const [from, to] of files) {
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(into, to)), { recursive: true });
    copyFileSync(from, join(into, to));
  }
}

/** The project as a clone has it: tracked files plus new unignored ones (no node_modules, no dist). */
function packProject(tarball: string): void {
  const listed = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  assert.equal(listed.code, 0, listed.stderr);
  const files = listed.stdout.split('\0').filter((f) => f && existsSync(join(ROOT, f)));
  writeFileSync(`${tarball}.list`, files.join('\0'));
  const r = run('tar', ['-czf', tarball, '--null', '-T', `${tarball}.list`]);
  assert.equal(r.code, 0, r.stderr);
}

async function ok(c: Container, script: string, timeoutMs?: number): Promise<string> {
  const r = await c.sh(script, timeoutMs);
  assert.equal(r.code, 0, `${script}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The container's process running bin/start.js: its executable's path inside the container, and its PATH. */
function startJsProcess(init: number): { exe: string; path: string } | undefined {
  const pidNs = readlinkSync(`/proc/${init}/ns/pid`);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/ns/pid`) !== pidNs) continue;
      if (!readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes('bin/start.js')) continue;
      const path = readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').find((v) => v.startsWith('PATH=')) ?? 'no PATH';
      return { exe: readlinkSync(`/proc/${name}/exe`), path };
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

test("README's install-and-start line, as printed, takes a fresh Debian 12 to the live table showing /", { skip, timeout: 30 * 60_000 }, async () => {
  const line = readmeCommand('Install and start');
  const host = tempDir('msm-fresh-');
  const socket = `msm-fresh-${process.pid}`;
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, '-f', join(host, 'tmux.conf'), ...args], { encoding: 'utf8' });
  const screen = () => tmux('capture-pane', '-p', '-t', 'fresh').stdout ?? '';
  // Everything the pane printed (the table's alternate screen hides apt's and npm's output).
  const transcript = () => readFileSync(join(host, 'transcript'), 'utf8').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').slice(-20_000);
  let c: Container | undefined;
  try {
    machineSetup(join(host, 'machine'));
    packProject(join(host, 'project.tar.gz'));
    writeFileSync(join(host, 'tmux.conf'), 'set -g history-limit 100000\n');
    const tree = systemdTestTree();
    let started = Date.now();
    c = await bootContainer(tree, host, `msm-fresh-${process.pid}`);
    console.log(`# fresh Debian 12 booted in ${seconds(Date.now() - started)}`);

    // What the Debian installer leaves: a user in sudo's care (sudo from the tree's own package lists).
    started = Date.now();
    await ok(
      c,
      `set -e; useradd -m -s /bin/bash ${USER}; cp -R ${HOST_DIR}/machine/. /
       DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sudo >/dev/null
       echo '${USER} ALL=(ALL) NOPASSWD: ALL' >/etc/sudoers.d/${USER}
       mkdir ${PROJECT}; tar -xzf ${HOST_DIR}/project.tar.gz -C ${PROJECT}; chown -R ${USER}: /home/${USER}
       ! command -v node && ! command -v npm && ! command -v cc`,
      300_000,
    );
    console.log(`# user and sudo set up in ${seconds(Date.now() - started)}`);

    // README's line, as the user, in a login shell on a pseudo-terminal; the shell stays for the exit status.
    started = Date.now();
    const inner = `cd ${PROJECT} && ${line}; echo EXITED=$?; sleep 3600`;
    const r = tmux('new-session', '-d', '-s', 'fresh', '-x', '150', '-y', '45',
      `nsenter -t ${c.pid} -a env -i PATH=/usr/sbin:/usr/bin TERM=xterm-256color runuser -l ${USER} -c ${quote(inner)}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tmux('pipe-pane', '-t', 'fresh', `cat >${join(host, 'transcript')}`).status, 0);
    // The user's home lies on "/", so the root row carries the home mark.
    const rootRow = /^⌂ OK\s+[\d.]+ ms\s+\d+ s\s+\/\s+\S/m;
    let shown = '';
    let npmStarted: number | undefined;
    // Only a guard against a hang: ~13 min measured on the 2-core machine under other test runs' load.
    for (const end = Date.now() + 25 * 60_000; Date.now() < end; await sleep(1000)) {
      shown = screen();
      if (npmStarted === undefined && /^npm /m.test(shown)) npmStarted = Date.now();
      if (rootRow.test(shown) || /EXITED=\d+/.test(shown)) break;
    }
    const took = Date.now() - started;
    const log = transcript();
    assert.doesNotMatch(shown, /EXITED=/, `README's line ended before the table:\n${log}`);
    assert.match(shown, /Mount Status Monitor — (OK|DEGRADED|DEAD)/, `no live table after ${seconds(took)}:\n${log}`);
    assert.match(shown, rootRow, `the root filesystem row:\n${shown}`);
    const npmSaid = /added \d+ packages in \S+/.exec(log)?.[0] ?? 'no npm summary';
    const apt = npmStarted === undefined ? '' : `, apt ~${seconds(npmStarted - started)}`;
    console.log(`# README's line to the live table in ${seconds(took)}${apt} (npm ci: ${npmSaid})`);

    // The table runs under the pinned Node 24, installed by npm on Debian's own Node.
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    const pinned = lock.packages[`node_modules/${NODE_PACKAGE}`]!.version;
    const table = startJsProcess(c.pid);
    const bins = (await c.sh(`ls -la ${PROJECT}/node_modules/.bin/`)).stdout;
    assert.equal(table?.exe, `${PROJECT}/node_modules/${NODE_PACKAGE}/bin/node`, `${table?.path}\n${bins}\n${log}`);
    assert.equal((await ok(c, `${PROJECT}/node_modules/.bin/node --version`)).trim(), `v${pinned}`);
    const debian = (await ok(c, 'node --version; npm --version')).trim().split('\n');
    console.log(`# installed by Debian's npm ${debian[1]} on Node ${debian[0]}; the table runs under Node v${pinned}`);
    // The N-API addon is compiled against that Node's headers, not Debian's (libnode-dev comes with npm).
    const make = await ok(c, `runuser -l ${USER} -c ${quote(`cd ${PROJECT} && npm exec -c 'make -s -B -n dist/native/peercred.node'`)}`);
    assert.match(make, new RegExp(` -I${PROJECT}/node_modules/${NODE_PACKAGE}/include/node `));

    tmux('send-keys', '-t', 'fresh', 'q');
    for (const end = Date.now() + 20_000; Date.now() < end && !/EXITED=\d+/.test(screen()); ) await sleep(200);
    assert.match(screen(), /EXITED=0/);
  } finally {
    tmux('kill-server');
    if (c) await c.stop();
    removeTree(host);
  }
});
