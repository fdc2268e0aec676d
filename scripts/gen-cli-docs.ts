/** Regenerates docs/cli.md and the findings sections of docs/audit.md from src/cli: `npm run docs:cli`. */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderAuditDoc, renderCliDoc } from '../dist/cli/cli-doc.js';

writeFileSync(new URL('../docs/cli.md', import.meta.url), renderCliDoc());
const audit = new URL('../docs/audit.md', import.meta.url);
writeFileSync(audit, renderAuditDoc(readFileSync(audit, 'utf8')));
console.log('wrote docs/cli.md and docs/audit.md (findings)');
