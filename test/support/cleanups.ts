// What a test file set up, undone last-first once its tests are done: push an undo, it runs in after().
import { after } from 'node:test';

export function cleanupsAfter(): (() => void | Promise<void>)[] {
  const cleanups: (() => void | Promise<void>)[] = [];
  after(async () => {
    for (const f of cleanups.reverse()) await f();
  });
  return cleanups;
}
