// README "Ship your connector", the Python recipe (see package-recipe-helpers.mjs for what each recipe test checks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SEA, run, tempDir } from './helpers.mjs';
import { RECIPES, haveGcc, havePython, shipAndRun, skip, write } from './package-recipe-helpers.mjs';

test('recipe: a Python connector with vendored dependencies and no venv', { skip: skip || (!havePython && 'python3 is not installed') }, async () => {
  const buildTree = join(tempDir(), 'build');
  const from = join(buildTree, 'connector');
  cpSync(join(ROOT, 'examples', 'python-connector', 'connector.py'), join(from, 'connector.py'));
  // The example connector's own vendored dependency (termcolor, one module).
  cpSync(join(ROOT, 'examples', 'python-connector', 'vendor', 'termcolor.py'), join(from, 'vendor', 'termcolor.py'));
  write(from, 'main.py', 'import fruitlib\nfruitlib.main()\n');
  // What `pip install --target vendor` leaves: the packages, their dist-info, and bytecode caches (left out of the package).
  write(from, 'vendor/fruitlib/__init__.py', [
    'import json, os, runpy, sys',
    'def main():',
    '    if sys.argv[1:2] == ["cli"]:',
    '        sys.stdout.write(json.dumps(sys.argv[2:]))',
    '        return',
    '    sys.argv = [sys.argv[0]] + sys.argv[1:]',
    '    runpy.run_path(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "connector.py"), run_name="__main__")',
    '',
  ].join('\n'));
  write(from, 'vendor/fruitlib-1.0.dist-info/METADATA', 'Name: fruitlib\n');
  write(from, 'vendor/fruitlib/__pycache__/__init__.cpython-311.pyc', 'bytecode');
  write(from, 'pyproject.toml', '[project]\nname = "fruits"\nrequires-python = ">=3.10"\n');
  const initialized = await run(SEA, ['init', '--from', from], { env: { PATH: tempDir() } });
  assert.equal(initialized.code, 0, initialized.stderr);
  const manifestData = JSON.parse(readFileSync(join(from, 'ndc-shim.json'), 'utf8'));
  assert.deepEqual(manifestData.env.PYTHONPATH, { prepend: '{connectorDir}/vendor' });
  manifestData.commands.cli = ['python3', '{connectorDir}/main.py', 'cli'];
  const manifest = join(buildTree, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify({ ...manifestData, name: 'ndc-python-fruits' }));
  const context = tempDir();
  cpSync(join(ROOT, 'examples', 'python-connector', 'configuration'), context, { recursive: true });
  await shipAndRun({ buildTree, from, manifest, name: 'ndc-python-fruits', context, readCliArgs: (stdout) => JSON.parse(stdout) });
});
