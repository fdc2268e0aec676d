import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { renderAuditJson } from '../src/cli/report/json.js';
import { AUDIT_CATEGORIES } from '../src/core/findings.js';
import { everyCategoryResult, fixtureResult } from './report-sample.ts';

const schema = JSON.parse(readFileSync(new URL('../docs/schema/findings-v1.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(schema);

describe('JSON report (docs/schema/findings-v1.schema.json)', () => {
  it('the fixture diff and a result with every category validate against the schema', async () => {
    for (const result of [await fixtureResult(), everyCategoryResult()]) {
      const doc = JSON.parse(renderAuditJson(result));
      const ok = validate(doc);
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
      expect(doc.schema).toBe('pylock-attest/findings@1');
      for (const f of doc.findings) expect(typeof f.allowed).toBe('boolean');
    }
  });

  it('the schema lists exactly the categories the code emits', () => {
    expect(schema.$defs.category.enum).toEqual([...AUDIT_CATEGORIES]);
  });

  it('the schema rejects what a reader must not see: unknown categories, missing keys, extra keys', () => {
    const doc = JSON.parse(renderAuditJson(everyCategoryResult()));
    const broken = (mutate: (d: any) => void) => {
      const copy = structuredClone(doc);
      mutate(copy);
      return validate(copy);
    };
    expect(broken((d) => (d.findings[0].category = 'made-up'))).toBe(false);
    expect(broken((d) => delete d.findings[0].line)).toBe(false);
    expect(broken((d) => (d.findings[0].extra = 1))).toBe(false);
    expect(broken((d) => (d.schema = 'pylock-attest/findings@2'))).toBe(false);
    expect(broken((d) => (d.exitCode = 4))).toBe(false);
  });

  it('carries old and new values, allowance and summary', async () => {
    const doc = JSON.parse(renderAuditJson(await fixtureResult()));
    expect(doc.summary).toEqual({ error: 4, warning: 1, info: 2, allowed: 1 });
    const allowed = doc.findings.find((f: any) => f.package === 'allowed-pkg');
    expect(allowed).toMatchObject({
      allowed: true,
      severity: 'error',
      old: [{ repository: 'old-org/allowed' }],
      new: [{ repository: 'new-org/allowed' }],
      allowance: { expires: '2026-12-31', line: 2 },
    });
  });
});
