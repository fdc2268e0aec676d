/**
 * Issue 10's adversarial suite: the built CLI, verification on, against a
 * loopback index per case, for every attack in cases-real.ts (real PyPI
 * provenance, production trusted root) and cases-minted.ts (minted, mock
 * root). For each case and each of enrich, refresh and online check: no
 * `verified`, no identity written (bytes unchanged), the expected exit code
 * and finding. Adding a case is one entry in a table.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interopGate } from '../support/interop.ts';
import { BUILT, NOT_BUILT } from '../support/run-cli.ts';
import { tempDir } from '../support/workspace.ts';
import { MINTED_TABLE } from './cases-minted.ts';
import { REAL_NEEDS, REAL_TABLE } from './cases-real.ts';
import { combinedExit, problems, runTable, type Exit, type Table, type TableResult } from './harness.ts';

const schema = JSON.parse(readFileSync(new URL('../../docs/schema/enrich-v2.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(schema);
const gate = interopGate(...REAL_NEEDS);

if (!BUILT) console.warn(`adversarial suite ${NOT_BUILT}`);

const TABLES: Array<{ table: Table; skip: boolean; note: string }> = [
  { table: REAL_TABLE, skip: !BUILT || gate.skip, note: gate.note },
  { table: MINTED_TABLE, skip: !BUILT, note: '' },
];

for (const { table, skip, note } of TABLES) {
  describe.skipIf(skip)(`adversarial: ${table.title}${note}`, () => {
    const ws = tempDir('pylock-attest-adversarial-');
    let result: TableResult;
    // Three CLI runs per group of cases, whatever the machine's load; bounded by the runs, not by a clock.
    beforeAll(async () => {
      result = await runTable(table, ws.dir);
    }, 300_000);
    afterAll(() => ws.cleanup());

    for (const kase of table.cases) {
      it(kase.name, () => {
        expect(problems(kase, result.scenarios.get(kase.name), result.observed.get(kase.name) ?? {})).toEqual([]);
      });
    }

    it('each run: the exit code the cases add up to, nothing updated, a report that matches its schema', () => {
      const expected = new Map(table.cases.map((k) => [k.name, k.expect]));
      for (const run of result.runs) {
        const exits: Exit[] = run.cases.map((name) => {
          const want = expected.get(name)!;
          return run.command === 'check' ? (want.check ?? want).exit : want.exit;
        });
        const policyFailing = [...(run.json.policyFindings ?? []), ...(run.command === 'check' ? run.json.findings.filter((f: any) => f.category === 'allowance-expired') : [])].some((f: any) => f.severity === 'error' && !f.allowed);
        expect(run.cli.code, `${run.command} of ${run.cases.length} cases: ${run.cli.stderr}`).toBe(combinedExit(policyFailing ? [...exits, 1] : exits));
        if (run.command !== 'check') {
          expect(validate(run.json), JSON.stringify(validate.errors)).toBe(true);
          for (const lock of run.json.lockfiles) expect([lock.path, lock.changed, lock.written]).toEqual([lock.path, false, false]);
        }
        if (run.command === 'refresh') expect(run.json.updated).toEqual([]);
      }
    });
  });
}
