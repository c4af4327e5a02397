// What `mountstatus unmount` and `mountstatus disconnect` share: one request to the system helper on a
// connection of its own, its failures printed and turned into an exit status, and the y/N question.
import { createInterface } from 'node:readline';
import { escapeForDisplay } from '../../common/mount-table/escapes.js';
import { IpcError } from '../../common/protocol.js';
import { connectHelper, type ConnectOptions, type HelperConnection } from '../../node/ipc/client.js';
import type { CommandIo } from './io.js';
import { NOT_RUNNING } from './status-command.js';

export interface RecoveryCommandDeps {
  connect?: (socketPath: string, options: ConnectOptions) => Promise<HelperConnection>;
  /** Whether to ask before acting (default: stdin is a terminal). */
  interactive?: boolean;
  /** Asks one question, resolves with the answer (default: a line from stdin). */
  ask?: (question: string) => Promise<string>;
  cwd?: () => string;
}

/**
 * Connects, makes one request and closes. A failure is said on stderr as `mountstatus VERB: …` and
 * comes back as the exit status: 1 when the helper refused, 2 when there is no helper or it failed.
 */
export async function requestOnce<T>(
  verb: string,
  socketPath: string,
  io: CommandIo,
  deps: RecoveryCommandDeps,
  call: (conn: HelperConnection) => Promise<T>,
): Promise<T | number> {
  let conn: HelperConnection;
  try {
    conn = await (deps.connect ?? connectHelper)(socketPath, { timeoutMs: 5000, clientName: `mountstatus ${verb}` });
  } catch (err) {
    const absent = err instanceof IpcError && err.code === 'helper-absent';
    io.stderr(`mountstatus ${verb}: ${absent ? `${NOT_RUNNING} (tried ${socketPath})` : (err as Error).message}\n`);
    return 2;
  }
  try {
    return await call(conn);
  } catch (err) {
    const e = err as IpcError;
    if (e.code === 'unknown-type') {
      io.stderr(`mountstatus ${verb}: this helper (version ${conn.hello.identity.version}) cannot ${verb}: upgrade it\n`);
      return 2;
    }
    io.stderr(`mountstatus ${verb}: ${escapeForDisplay(e.message)}\n`);
    return e.code === 'not-permitted' || e.code === 'refused' || e.code === 'not-a-mountpoint' ? 1 : 2;
  } finally {
    conn.close();
  }
}

/** Asks `question`; anything but y or yes prints "Nothing done." and is a no. */
export async function confirmed(io: CommandIo, deps: RecoveryCommandDeps, question: string): Promise<boolean> {
  const answer = await (deps.ask ?? askOnStdin)(question);
  if (/^\s*y(es)?\s*$/i.test(answer)) return true;
  io.stdout('Nothing done.\n');
  return false;
}

function askOnStdin(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    rl.question(question, (answer) => {
      resolve(answer); // before close(), whose 'close' event would otherwise answer '' first
      rl.close();
    });
    rl.once('close', () => resolve('')); // end of input: no
  });
}
