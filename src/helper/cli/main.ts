// `mountstatus`: the helper's command line. Exit codes: 0 all well, 1 some mount not ok, 2 usage or
// internal error.
import { runCheckCommand, CHECK_USAGE } from './check-command.js';
import { runDaemonCommand, DAEMON_USAGE } from './daemon-command.js';
import { runStatusCommand, STATUS_USAGE } from './status-command.js';
import { runUnmountCommand, UNMOUNT_USAGE } from './unmount-command.js';
import { runDisconnectCommand, DISCONNECT_USAGE } from './disconnect-command.js';
import { processIo, type CommandIo } from './io.js';
import { UsageError } from './options.js';
import { VERSION } from '../../node/version.js';

const USAGE = `usage: mountstatus <command> [options]
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

export async function main(argv: string[], io: CommandIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return await runCheckCommand(rest, io);
      case 'daemon':
        return await runDaemonCommand(rest, io);
      case 'status':
        return await runStatusCommand(rest, { stdout: (t: string) => io.stdout(t), stderr: (t: string) => io.stderr(t), ...(io.stdoutGone ? { stdoutGone: io.stdoutGone } : {}) });
      case 'unmount':
        return await runUnmountCommand(rest, io);
      case 'disconnect':
        return await runDisconnectCommand(rest, io);
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return 0;
      case '--version':
        io.stdout(`${VERSION}\n`);
        return 0;
      case undefined:
        io.stderr(USAGE);
        return 2;
      default:
        io.stderr(`mountstatus: unknown command ${JSON.stringify(command)}\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    const e = err as Error;
    io.stderr(`mountstatus ${command}: ${e instanceof UsageError ? e.message + ` (see mountstatus ${command} --help)` : e.message}\n`);
    return 2;
  }
}
