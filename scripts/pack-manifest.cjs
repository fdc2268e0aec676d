// The published package.json carries no scripts: `prepack` runs `strip` after the build, so the
// tarball (and, under `npm publish`, the registry's copy) has none, and no install-time script
// can ever run from it. `postpack` restores the file (`postpublish` under npm publish, which
// re-reads package.json after packing). A pack that died in between is repaired by the next one.
'use strict';
const { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const manifest = join(root, 'package.json');
const backup = join(root, '.package.json.prepack');
const mode = process.argv[2];

if (mode === 'strip') {
  if (existsSync(backup)) copyFileSync(backup, manifest);
  const text = readFileSync(manifest, 'utf8');
  writeFileSync(backup, text);
  const pkg = JSON.parse(text);
  delete pkg.scripts;
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (mode === 'restore') {
  // npm publish re-reads package.json after packing: keep it stripped until postpublish.
  if (process.env.npm_command === 'publish' && process.env.npm_lifecycle_event === 'postpack') process.exit(0);
  if (existsSync(backup)) renameSync(backup, manifest);
} else {
  process.stderr.write('usage: node scripts/pack-manifest.cjs strip|restore\n');
  process.exit(2);
}
