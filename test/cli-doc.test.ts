import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCliDoc } from '../src/cli/cli-doc.js';
import { COMMANDS, OPTIONS } from '../src/cli/options.js';

describe('docs/cli.md', () => {
  it('is exactly what the options table generates (run `npm run docs:cli` after changing options)', () => {
    expect(readFileSync(new URL('../docs/cli.md', import.meta.url), 'utf8')).toBe(renderCliDoc());
  });

  it('documents every option of every command', () => {
    const doc = renderCliDoc();
    for (const opt of OPTIONS) expect(doc).toContain(`--${opt.name}`);
    for (const cmd of COMMANDS) expect(doc).toContain(`pylock-attest ${cmd.usage}`);
  });
});
