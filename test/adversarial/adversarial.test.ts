/**
 * Issue 10's adversarial suite: the built CLI, verification on, against a
 * loopback index per case, for every attack in cases-environment.ts (a cache
 * the attacker wrote, proxies that stall, hosts on this machine; production
 * root), cases-minted.ts (minted attestations, mock root) and cases-real.ts
 * (real PyPI provenance, production root). For each case and each of
 * enrich, refresh and online check: no `verified`, no identity written
 * (bytes unchanged), the expected exit code and finding or error. Adding a
 * case is one entry in a table (harness.ts says how).
 *
 * The three tables run at once, in one file (vitest runs files one at a
 * time on two cores): the proxies' runs mostly wait while the others verify.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/workspace.ts';
import { interopGate } from '../support/interop.ts';
import { ENVIRONMENT_TABLE } from './cases-environment.ts';
import { MINTED_TABLE } from './cases-minted.ts';
import { REAL_NEEDS, REAL_TABLE } from './cases-real.ts';
import { combinedExit, problems, runTables, type Exit, type Table, type TableResult } from './harness.ts';

const schema = JSON.parse(readFileSync(new URL('../../docs/schema/enrich-v2.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(schema);

const real = interopGate(...REAL_NEEDS);

const TABLES: Array<{ table: Table; skip: boolean; note: string }> = [
  { table: ENVIRONMENT_TABLE, skip: false, note: '' },
  { table: MINTED_TABLE, skip: false, note: '' },
  { table: REAL_TABLE, skip: real.skip, note: real.note },
];

const ws = tempDir('pylock-attest-adversarial-');
const results = new Map<Table, TableResult>();
// Up to three CLI runs per group of cases (a few groups at once), whatever the machine's load; bounded by the runs, not by a clock.
beforeAll(async () => {
  const running = TABLES.filter((t) => !t.skip).map(({ table }, i) => ({ table, dir: join(ws.dir, `table-${i}`) }));
  for (const { dir } of running) mkdirSync(dir);
  for (const [i, result] of (await runTables(running)).entries()) results.set(running[i]!.table, result);
}, 600_000);
afterAll(() => ws.cleanup());

for (const { table, skip, note } of TABLES) {
  describe.skipIf(skip)(`adversarial: ${table.title}${note}`, () => {
    let result: TableResult;
    beforeAll(() => {
      result = results.get(table)!;
    });

    for (const kase of table.cases) {
      it(kase.name, () => {
        expect(problems(kase, result.scenarios.get(kase.name), result.observed.get(kase.name) ?? {}, result.commands.get(kase.name))).toEqual([]);
      });
    }

    it('each run: the exit code the cases add up to, nothing updated, a report that matches its schema, what its setting expects', () => {
      const expected = new Map(table.cases.map((k) => [k.name, k.expect]));
      for (const run of result.runs) {
        const exits: Exit[] = run.cases.map((name) => {
          const want = expected.get(name)!;
          return run.command === 'check' ? (want.check ?? want).exit : want.exit;
        });
        const policyFailing = [
          ...(run.json.policyFindings ?? []),
          ...(run.command === 'check' ? (run.json.findings ?? []).filter((f: any) => f.category === 'allowance-expired') : []),
        ].some((f: any) => f.severity === 'error' && !f.allowed);
        const what = `${run.command} of ${run.cases.length} cases (${run.setting})`;
        expect(run.cli.code, `${what}: ${run.cli.stderr}`).toBe(combinedExit(policyFailing ? [...exits, 1] : exits));
        expect(run.problems, what).toEqual([]);
        if (run.command !== 'check' && run.json.lockfiles !== undefined) {
          expect(validate(run.json), JSON.stringify(validate.errors)).toBe(true);
          for (const lock of run.json.lockfiles) expect([lock.path, lock.changed, lock.written]).toEqual([lock.path, false, false]);
        }
        if (run.command === 'refresh') expect(run.json.updated).toEqual([]);
      }
    });
  });
}
