// electron-builder afterPack hook (build/electron-builder.yml): on Linux, the Electron binary becomes
// <executable>-electron and the launcher build/linux/mount-status-monitor takes its name, so every way of
// starting the app goes through the launcher (it says why). CommonJS: electron-builder require()s hooks.
const { chmodSync, copyFileSync, renameSync } = require('node:fs');
const { join } = require('node:path');

const LAUNCHER = 'mount-status-monitor';

exports.default = async function afterPack(context) {
  if (context.electronPlatformName !== 'linux') return;
  const exe = context.packager.executableName;
  // The launcher execs "$dir/mount-status-monitor-electron": the names must agree.
  if (exe !== LAUNCHER) throw new Error(`after-pack: linux.executableName is ${exe}, the launcher expects ${LAUNCHER}`);
  renameSync(join(context.appOutDir, exe), join(context.appOutDir, `${exe}-electron`));
  copyFileSync(join(__dirname, LAUNCHER), join(context.appOutDir, exe));
  chmodSync(join(context.appOutDir, exe), 0o755);
};
