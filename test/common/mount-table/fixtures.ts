// Reads the recorded mount tables in test/fixtures/mount-tables (from dist/test/common/mount-table/).
import { readFileSync } from 'node:fs';

const dir = new URL('../../../../test/fixtures/mount-tables/', import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, dir), 'utf8');
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, dir)));
}
