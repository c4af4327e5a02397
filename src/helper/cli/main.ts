// `mountstatus`: the helper's command line. Exit codes: 0 all well, 1 some mount not ok, 2 usage or
// internal error.
//
// Each command's module is loaded only when that command runs: a one-shot `check` (what scripts and
// monitoring plugins run) then loads neither the daemon's socket server and metrics nor the protocol's
// schemas, which were most of its start-up time.
import { processIo, type CommandIo } from './io.js';
import { UsageError } from './options.js';
import { VERSION } from '../../node/version.js';

async function usage(): Promise<string> {
  const [{ CHECK_USAGE }, { DAEMON_USAGE }, { STATUS_USAGE }, { UNMOUNT_USAGE }, { DISCONNECT_USAGE }] = await Promise.all([
    import('./check-command.js'),
    import('./daemon-command.js'),
    import('./status-command.js'),
    import('./unmount-command.js'),
    import('./disconnect-command.js'),
  ]);
  return `usage: mountstatus <command> [options]
  check    check every mount once and print the result (exit 1 if any is not ok)
  daemon   keep checking, log to syslog, serve the tray app (run as root under a supervisor)
  status   ask the running daemon for its latest view
  unmount  have the running daemon unmount a dead mount, freeing the programs stuck on it (root, admin-group)
  disconnect  have the running daemon disconnect a dead NFS mount from its server (Linux 6.6+): every
           program waiting on it gets an error at once (root, admin-group; a user their own home if allowed)
  help     this text; \`mountstatus <command> --help\` for a command's options

${CHECK_USAGE}
${DAEMON_USAGE}
${STATUS_USAGE}
${UNMOUNT_USAGE}
${DISCONNECT_USAGE}`;
}

export async function main(argv: string[], io: CommandIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return await (await import('./check-command.js')).runCheckCommand(rest, io);
      case 'daemon':
        return await (await import('./daemon-command.js')).runDaemonCommand(rest, io);
      case 'status':
        return await (await import('./status-command.js')).runStatusCommand(rest, { stdout: (t: string) => io.stdout(t), stderr: (t: string) => io.stderr(t), ...(io.stdoutGone ? { stdoutGone: io.stdoutGone } : {}) });
      case 'unmount':
        return await (await import('./unmount-command.js')).runUnmountCommand(rest, io);
      case 'disconnect':
        return await (await import('./disconnect-command.js')).runDisconnectCommand(rest, io);
      case 'help':
      case '--help':
      case '-h':
        io.stdout(await usage());
        return 0;
      case '--version':
        io.stdout(`${VERSION}\n`);
        return 0;
      case undefined:
        io.stderr(await usage());
        return 2;
      default:
        io.stderr(`mountstatus: unknown command ${JSON.stringify(command)}\n${await usage()}`);
        return 2;
    }
  } catch (err) {
    const e = err as Error;
    io.stderr(`mountstatus ${command}: ${e instanceof UsageError ? e.message + ` (see mountstatus ${command} --help)` : e.message}\n`);
    return 2;
  }
}
