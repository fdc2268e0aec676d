import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { artifactUri, renderAuditSarif } from '../src/cli/report/sarif.js';
import { everyCategoryResult, fixtureResult } from './report-sample.ts';

const structure = JSON.parse(readFileSync(new URL('../fixtures/audit/sarif-2.1.0-structure.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(structure);

describe('SARIF 2.1.0 report', () => {
  it('has the SARIF 2.1.0 structure: version, $schema, driver name and rules, results with ruleId, level, message, location and line', async () => {
    for (const result of [await fixtureResult(), everyCategoryResult()]) {
      const log = JSON.parse(renderAuditSarif(result));
      expect(validate(log)).toBe(true);
      expect(validate.errors ?? []).toEqual([]);
      const run = log.runs[0];
      const ids = run.tool.driver.rules.map((r: { id: string }) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(run.results).toHaveLength(result.findings.length);
      for (const r of run.results) {
        expect(ids[r.ruleIndex]).toBe(r.ruleId);
        const uri: string = r.locations[0].physicalLocation.artifactLocation.uri;
        // RFC 3986 characters only, every % a complete escape.
        expect(uri).toMatch(/^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]+$/);
        expect(uri).not.toMatch(/%(?![0-9A-F]{2})/);
      }
    }
  });

  it('levels follow severity; allowed findings are accepted suppressions with their reason', async () => {
    const result = await fixtureResult();
    const log = JSON.parse(renderAuditSarif(result));
    const levels = log.runs[0].results.map((r: any) => [r.ruleId, r.level, r.suppressions?.[0]?.status ?? null]);
    expect(levels).toEqual(
      result.findings.map((f) => [f.category, { error: 'error', warning: 'warning', info: 'note' }[f.severity], f.allowed ? 'accepted' : null]),
    );
    const allowed = log.runs[0].results.find((r: any) => r.suppressions);
    expect(allowed.suppressions[0]).toMatchObject({ kind: 'external', justification: expect.stringContaining('org rename') });
  });

  it('input errors become tool execution notifications, and the run says it did not succeed', () => {
    const log = JSON.parse(renderAuditSarif(everyCategoryResult()));
    expect(log.runs[0].invocations[0]).toMatchObject({ executionSuccessful: false, toolExecutionNotifications: [{ level: 'error' }] });
  });

  it('artifact URIs are relative references with / separators, percent-encoded; absolute paths are file: URLs', () => {
    expect(artifactUri('pylock.toml')).toBe('pylock.toml');
    expect(artifactUri('sub dir/pylock.dev.toml')).toBe('sub%20dir/pylock.dev.toml');
    expect(artifactUri('/tmp/a b/pylock.toml')).toBe('file:///tmp/a%20b/pylock.toml');
  });

  it('fingerprints are stable across runs', async () => {
    const a = JSON.parse(renderAuditSarif(await fixtureResult()));
    const b = JSON.parse(renderAuditSarif(await fixtureResult()));
    expect(a.runs[0].results.map((r: any) => r.partialFingerprints)).toEqual(b.runs[0].results.map((r: any) => r.partialFingerprints));
  });
});
