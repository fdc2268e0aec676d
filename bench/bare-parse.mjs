// The baseline of the warm-run measures: a bare node process that reads the
// lockfile and parses it with smol-toml, the least any TOML-reading tool in
// Node.js does. Plain JavaScript, like the built CLI it is compared with.
import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';

const data = parse(readFileSync(process.argv[2], 'utf8'));
if (!Array.isArray(data.packages)) throw new Error('not a lockfile');
