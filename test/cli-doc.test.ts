import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderAuditDoc, renderCliDoc } from '../src/cli/cli-doc.js';
import { ERROR_DOCS, FINDING_DOCS, explanationText, findExplanation, knownNames } from '../src/cli/explanations.js';
import { COMMANDS, OPTIONS, usageOf } from '../src/cli/options.js';
import { AUDIT_CATEGORIES } from '../src/core/findings.js';
import { ERROR_CODES } from '../src/errors.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('docs/cli.md and docs/audit.md', () => {
  it('docs/cli.md is exactly what the options table and the error explanations generate (run `npm run docs:cli` after changing either)', () => {
    expect(read('../docs/cli.md')).toBe(renderCliDoc());
  });

  it("docs/audit.md's findings table and sections are exactly what `explain` prints from (run `npm run docs:cli`)", () => {
    const audit = read('../docs/audit.md');
    expect(audit).toBe(renderAuditDoc(audit));
  });

  it('documents every option of every command, and every command', () => {
    const doc = renderCliDoc();
    for (const opt of OPTIONS) expect(doc).toContain(`--${opt.name}`);
    for (const cmd of COMMANDS) expect(doc).toContain(`pylock-attest ${usageOf(cmd)}`);
  });
});

describe('explain: one source for every finding and error code', () => {
  it('has a section for every finding category and every error code', () => {
    expect(Object.keys(FINDING_DOCS).sort()).toEqual([...AUDIT_CATEGORIES].sort());
    expect(Object.keys(ERROR_DOCS).sort()).toEqual([...ERROR_CODES].sort());
    expect(knownNames()).toHaveLength(AUDIT_CATEGORIES.length + ERROR_CODES.length);
  });

  it('finds names in any case, error codes with - or _', () => {
    expect(findExplanation('Publisher-Changed')?.name).toBe('publisher-changed');
    expect(findExplanation('index-network')?.name).toBe('INDEX_NETWORK');
    expect(findExplanation('INDEX_NETWORK')?.name).toBe('INDEX_NETWORK');
    expect(findExplanation('nope')).toBeUndefined();
  });

  it('prints the same text the docs carry, with headings for its labels and no markdown anchors', () => {
    const text = explanationText(findExplanation('partial-attestation')!);
    expect(text).toContain('What it means (online `check`, and `enrich`, `refresh`, `lock`)');
    expect(text).toContain('How to investigate');
    expect(text).toContain('How to accept it');
    expect(text).toContain('file = "pydantic_core-2.14.6.tar.gz"');
    expect(text).not.toMatch(/\]\(#/);
    expect(read('../docs/audit.md')).toContain(FINDING_DOCS['partial-attestation'].investigate);
  });
});
