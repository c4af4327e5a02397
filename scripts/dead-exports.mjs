#!/usr/bin/env node
// Lists value exports (functions, classes, constants) of src/ and bench/ that nothing imports (src, test or bench), with the TypeScript
// compiler's own symbol resolution, so a renamed or re-exported symbol is followed, not grepped for.
// Exit status 1 when there are any. Run by `npm test` (before the tests) as the dead-code check.
//
// Entry points are run, not imported; their exports are not required to have importers: ENTRY below.
import ts from 'typescript';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = new Set([
  'src/helper/cli/main.ts', // bin/mountstatus.js
  'src/main/electron/main.ts', // package.json "main"
  'src/main/terminal/run-terminal.ts', // bin/start.js (no display)
  'src/main/chromium-sandbox.ts', // bin/start.js (the sandbox check before Electron starts)
  'src/node/probe/probe-child.ts', // spawned by node-prober.ts
  'src/preload/preload.cts', // the window's preload script
  'src/renderer/status-window.ts', // loaded by index.html
]);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(c|m)?ts$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const files = ['src', 'test', 'bench'].flatMap((d) => walk(join(root, d)));
const program = ts.createProgram(files, {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
});
const checker = program.getTypeChecker();

const original = (sym) => (sym && sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym);

// Every symbol some other file imports or re-exports.
const used = new Set();
for (const sf of program.getSourceFiles()) {
  if (sf.isDeclarationFile) continue;
  const visit = (node) => {
    if (ts.isImportSpecifier(node) || ts.isExportSpecifier(node) || ts.isImportClause(node) || ts.isNamespaceImport(node)) {
      const name = node.name ?? node;
      const sym = name && checker.getSymbolAtLocation(name);
      if (sym) used.add(original(sym));
      if (ts.isNamespaceImport(node) && sym) {
        // import * as x: every member counts as used only where it is read; be lenient and count all.
        const mod = checker.getAliasedSymbol(sym);
        for (const e of checker.getExportsOfModule(mod)) used.add(original(e));
      }
    }
    if (ts.isExportDeclaration(node) && !node.exportClause && node.moduleSpecifier) {
      const mod = checker.getSymbolAtLocation(node.moduleSpecifier);
      if (mod) for (const e of checker.getExportsOfModule(mod)) used.add(original(e));
    }
    // import('./x.js') and typeof import(...) in tests: count the whole module.
    if (ts.isImportTypeNode(node) || (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)) {
      const arg = ts.isImportTypeNode(node) ? node.argument.literal : node.arguments[0];
      const mod = arg && checker.getSymbolAtLocation(arg);
      if (mod) for (const e of checker.getExportsOfModule(mod)) used.add(original(e));
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

const dead = [];
for (const sf of program.getSourceFiles()) {
  const rel = relative(root, sf.fileName);
  if (sf.isDeclarationFile || !(rel.startsWith('src/') || rel.startsWith('bench/')) || ENTRY.has(rel)) continue;
  const mod = checker.getSymbolAtLocation(sf);
  if (!mod) continue;
  for (const e of checker.getExportsOfModule(mod)) {
    if (used.has(original(e)) || used.has(e)) continue;
    // Types (an exported function's options interface, say) are part of its signature: values only.
    if (!(original(e).flags & ts.SymbolFlags.Value)) continue;
    const decl = e.declarations?.[0];
    const line = decl ? sf.getLineAndCharacterOfPosition(decl.getStart()).line + 1 : 0;
    dead.push(`${rel}:${line}: ${e.name}`);
  }
}

if (dead.length > 0) {
  console.error(`Exports nothing imports (delete them, or drop the export keyword):\n${dead.sort().map((d) => `  ${d}`).join('\n')}`);
  process.exit(1);
}
console.log(`dead-exports: every export of src/ and bench/ is imported (${files.length} files)`);
