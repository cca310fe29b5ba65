// The modules form layers: no module imports (directly or through others) one that imports it back.
// Reads every import of src/**/*.ts (static, `import type`, re-exports and require('./x')) and fails
// on any cycle, naming it, so that a new circle shows up the day it is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []);
}

const IMPORT = /(?:\bfrom\s+|\bimport\s+|\brequire\(\s*|\bimport\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function importsOf(file) {
  // Comments may quote an import; they are not one.
  const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const targets = new Set();
  for (const match of code.matchAll(IMPORT)) {
    const base = join(dirname(file), match[1]).replace(/\.js$/, '');
    const target = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
    if (target) targets.add(target);
  }
  return [...targets];
}

/** Every elementary cycle found by a depth-first walk, each named by its modules in import order. */
export function findCycles(graph) {
  const cycles = [];
  const state = new Map();
  const stack = [];
  const visit = (node) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

test('the cycle finder finds a cycle, and none where there is none', () => {
  assert.deepEqual(findCycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), [['a', 'b', 'c', 'a']]);
  assert.deepEqual(findCycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), []);
});

test('no import cycle among the modules of src/', () => {
  const graph = new Map(sourceFiles(src).map((file) => [file, importsOf(file)]));
  assert.ok(graph.size > 20, `read ${graph.size} modules`);
  const name = (file) => relative(src, file).replace(/\.ts$/, '');
  const cycles = findCycles(graph).map((cycle) => cycle.map(name).join(' -> '));
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.join('\n')}`);
});
