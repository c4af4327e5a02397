#!/usr/bin/env node
// Copies the status window's static files (index.html, styles.css) next to its compiled modules in
// dist/src/renderer/, which tsc does not do. Run after `tsc -b` (see package.json "build").
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const from = join(root, 'src', 'renderer');
const to = join(root, 'dist', 'src', 'renderer');
const ASSETS = ['index.html', 'styles.css'];

mkdirSync(to, { recursive: true });
for (const name of ASSETS) copyFileSync(join(from, name), join(to, name));
