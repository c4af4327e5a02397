// README's commands, read from README itself so the tests that run them cannot drift from what a
// reader copies: the one-line ```sh block after a bold label such as **Install and start**.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

/** The command under `**label**` in README, exactly as printed; throws if README has no such one-line block. */
export function readmeCommand(label: string, readme = readFileSync(README, 'utf8')): string {
  const at = readme.indexOf(`**${label}**`);
  if (at < 0) throw new Error(`README has no **${label}**`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))?.[1]?.split('\n');
  if (block?.length !== 2 || block[1] !== '') throw new Error(`README has no one-line sh block after **${label}**`);
  return block[0]!;
}
