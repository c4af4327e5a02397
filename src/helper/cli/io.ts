// Where a command writes: injected so tests can run commands in-process.
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Resolves once standard output takes no more (its reader went away: `| head`); absent where it cannot. */
  readonly stdoutGone?: Promise<void>;
}

// A pipe whose reader has exited fails every later write with EPIPE (Node ignores SIGPIPE), reported as
// an 'error' event that, unheard, would crash the command with a stack trace: heard here, and the
// commands that write on and on (`status --follow`) stop quietly.
const stdoutGone = new Promise<void>((resolve) => process.stdout.on('error', () => resolve()));

export const processIo: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  stdoutGone,
};
