/** Regenerates docs/cli.md from the options table: `npm run docs:cli`. */
import { writeFileSync } from 'node:fs';
import { renderCliDoc } from '../dist/cli/cli-doc.js';

writeFileSync(new URL('../docs/cli.md', import.meta.url), renderCliDoc());
console.log('wrote docs/cli.md');
