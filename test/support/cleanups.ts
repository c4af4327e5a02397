// What a test file set up, undone last-first once its tests are done: push an undo, it runs in after().
// One undo that throws does not keep the others from running; the first error is thrown at the end.
import { after } from 'node:test';

export function cleanupsAfter(): (() => void | Promise<void>)[] {
  const cleanups: (() => void | Promise<void>)[] = [];
  after(async () => {
    const errors: unknown[] = [];
    for (const f of cleanups.reverse()) {
      try {
        await f();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) throw errors[0];
  });
  return cleanups;
}
