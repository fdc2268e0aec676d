// Run first by `npm test` and `npm run demo`: on a Node.js older than package.json's engines,
// stop with one line that says what is needed and how to get it, instead of a TypeScript-loader
// error or a test runner crash minutes later. Plain CommonJS on purpose: it must run on any Node.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const wanted = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).engines.node.replace(/^>=\s*/, '');
const have = process.versions.node;
const parts = (v) => v.split('.').map((n) => Number.parseInt(n, 10) || 0);
const [a, b] = [parts(have), parts(wanted)];
const older = a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] < b[2];
if (older) {
  process.stderr.write(
    `pylock-attest needs Node.js >= ${wanted.replace(/\.0$/, '')}; this is Node.js ${have} (${process.execPath}). Install Node.js 24 LTS (https://nodejs.org/en/download, or: nvm install 24 / fnm install 24 / volta install node@24) and run this again.\n`,
  );
  process.exit(1);
}
