/**
 * enrich's report says exactly what was proven: `partial` packages (never
 * verified; written only under a policy allowance that is cited), and, per
 * identity, the keys that are only the index's claim (`environment`), in the
 * text report, the JSON report (validated against docs/schema/enrich-v2),
 * the refresh summary, and after a round trip through the outcome cache.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrich, type EnrichResult } from '../src/app/enrich.js';
import { refreshOutcome } from '../src/app/refresh.js';
import { renderRefreshSummary } from '../src/app/refresh-summary.js';
import { renderEnrichJson, renderEnrichText } from '../src/cli/render-enrich.js';
import { colors } from '../src/cli/terminal-text.js';
import { EMPTY_POLICY, type Policy } from '../src/core/policy.js';
import { startFakeIndex, type FakeFile, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore, type MockSigstore } from './support/mint.ts';
import { tempDir } from './support/workspace.ts';

const schema = JSON.parse(readFileSync(new URL('../docs/schema/enrich-v2.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(schema);
const NOW = new Date('2026-03-01T12:00:00Z');

interface Spec {
  name: string;
  /** One entry per file: the publisher environment it is attested with, or null for no provenance. */
  files: Array<string | null | undefined>;
}

const SPECS: Spec[] = [
  { name: 'envy', files: ['release-pypi'] },
  { name: 'plain', files: [undefined] },
  { name: 'halfway', files: [undefined, null] },
  { name: 'handmade', files: [null, undefined, undefined] },
  { name: 'bare', files: [null] },
];

const fileOf = (p: Spec, i: number) => ({
  project: p.name,
  version: '1.0',
  filename: i === 0 ? `${p.name}-1.0.tar.gz` : `${p.name}-1.0-py3-none-${i}.whl`,
  sha256: Buffer.from(`${p.name}/${i}`).toString('hex').padEnd(64, '0').slice(0, 64),
});

function lockText(specs: Spec[]): string {
  const blocks = specs.map((p) => {
    const files = p.files.map((_, i) => fileOf(p, i));
    const entry = (f: { filename: string; sha256: string }) => `{ url = "https://files.example/${f.filename}", hashes = { sha256 = "${f.sha256}" } }`;
    const wheels = files.slice(1);
    return (
      [
        `[[packages]]`,
        `name = "${p.name}"`,
        'version = "1.0"',
        `sdist = ${entry(files[0]!)}`,
        ...(wheels.length ? [`wheels = [${wheels.map(entry).join(', ')}]`] : []),
      ].join('\n') + '\n'
    );
  });
  return `lock-version = "1.0"\ncreated-by = "test"\n\n${blocks.join('\n')}`;
}

describe('enrich report: partial packages and index claims', () => {
  const ws = tempDir();
  let sigstore: MockSigstore;
  let index: FakeIndex;
  let root: string;

  beforeAll(async () => {
    sigstore = await createMockSigstore();
    root = ws.file('root.json', JSON.stringify(sigstore.trustedRoot));
    const files: FakeFile[] = [];
    for (const p of SPECS) {
      for (const [i, env] of p.files.entries()) {
        const f = fileOf(p, i);
        if (env === null) {
          files.push({ ...f, provenance: null });
          continue;
        }
        const publisher = { kind: 'GitHub' as const, repository: `o/${p.name}`, workflow: 'release.yml' };
        const attestation = await sigstore.mint({ ...f, publisher });
        files.push({
          ...f,
          provenance: { version: 1, attestation_bundles: [{ publisher: { ...publisher, environment: env ?? null }, attestations: [attestation] }] },
        });
      }
    }
    index = await startFakeIndex({ files });
  });
  afterAll(async () => {
    await index?.close();
    ws.cleanup();
  });

  const allowHandmade: Policy = {
    ...EMPTY_POLICY,
    source: 'pyproject.toml',
    allow: [
      {
        package: 'handmade',
        category: 'partial-attestation',
        file: 'handmade-1.0.tar.gz',
        reason: 'sdist uploaded by hand',
        expires: '2026-12-31',
        source: 'pyproject.toml',
        line: 12,
      },
      { package: 'old-thing', category: 'partial-attestation', reason: 'gone', expires: '2025-01-01', source: 'pyproject.toml', line: 20 },
    ],
  };

  async function run(extra: Record<string, unknown> = {}): Promise<EnrichResult> {
    const path = ws.file(`pylock-${Math.random().toString(36).slice(2)}.toml`, lockText(SPECS));
    return enrich([path], {
      indexUrl: index.simpleUrl,
      trustedRoot: root,
      provenanceSource: 'simple',
      policy: allowHandmade,
      now: NOW,
      dryRun: true,
      ...extra,
    });
  }

  it('statuses, actions, the cited allowance and the expired one', async () => {
    const result = await run();
    const byName = Object.fromEntries(result.lockfiles[0]!.packages.map((p) => [p.name, p]));
    expect(Object.fromEntries(Object.entries(byName).map(([n, p]) => [n, [p.status, p.action]]))).toEqual({
      envy: ['verified', 'added'],
      plain: ['verified', 'added'],
      halfway: ['partial', 'none'],
      handmade: ['partial', 'added'],
      bare: ['no-provenance', 'none'],
    });
    const partials = result.lockfiles[0]!.findings.filter((f) => f.category === 'partial-attestation');
    expect(partials.map((f) => [f.package, f.file, f.severity, f.allowed ?? false])).toEqual([
      ['halfway', 'halfway-1.0-py3-none-1.whl', 'error', false],
      ['handmade', 'handmade-1.0.tar.gz', 'error', true],
    ]);
    expect(partials[1]!.allowance).toEqual({ reason: 'sdist uploaded by hand', expires: '2026-12-31', source: 'pyproject.toml', line: 12 });
    expect(result.policy).toBe('pyproject.toml');
    expect(result.policyFindings).toMatchObject([{ category: 'allowance-expired', severity: 'error', line: 20 }]);
    expect(result.exitCode).toBe(1);
    expect(result.lockfiles[0]!.newText).toContain('repository = "o/handmade"');
    expect(result.lockfiles[0]!.newText).not.toContain('repository = "o/halfway"');
  });

  it('environment is the index claim: unverifiedKeys in JSON (schema-valid), "[index claim]" in text and the refresh summary', async () => {
    const result = await run();
    const envy = result.lockfiles[0]!.packages.find((p) => p.name === 'envy')!;
    expect(envy.identities).toEqual([{ kind: 'GitHub', repository: 'o/envy', workflow: 'release.yml', environment: 'release-pypi' }]);
    expect(envy.unverifiedKeys).toEqual([['environment']]);
    expect(envy.files[0]!.unverifiedKeys).toEqual([['environment']]);
    expect(result.lockfiles[0]!.packages.find((p) => p.name === 'plain')!.unverifiedKeys).toEqual([[]]);
    for (const doc of [result, refreshOutcome(result)]) {
      const json = JSON.parse(renderEnrichJson(doc));
      expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    }
    const text = renderEnrichText(result, { out: colors(false), err: colors(false) }, { quiet: false, verbose: false }).stdout;
    expect(text).toMatch(/envy 1\.0\s+verified\s+GitHub o\/envy \(release\.yml, env release-pypi \[index claim\]\) \[added\]/);
    expect(text).toMatch(/halfway 1\.0\s+partial\s+1 of 2 files have no provenance: no identity recorded/);
    expect(text).toMatch(/handmade 1\.0\s+partial\s+GitHub o\/handmade \(release\.yml\) \[added: the unattested files are accepted by a policy allowance\]/);
    expect(text).toContain('allowed partial-attestation: handmade (line');
    expect(text).toContain('[allowed by pyproject.toml:12 until 2026-12-31: sdist uploaded by hand]');
    expect(text).toContain('error allowance-expired: old-thing');
    const summary = renderRefreshSummary(refreshOutcome(result));
    expect(summary).toContain('`GitHub o/envy (release.yml, env release-pypi [index claim])`');
    expect(summary).toContain('### Accepted with --allow-identity-change or a policy allowance (review them) (1)');
    expect(summary).toContain('`allowance-expired`');
  });

  it('the schema refuses what a reader must not see', async () => {
    const json = JSON.parse(renderEnrichJson(await run()));
    const broken = (mutate: (d: any) => void) => {
      const copy = structuredClone(json);
      mutate(copy);
      return validate(copy);
    };
    expect(broken((d) => (d.lockfiles[0].packages[0].status = 'mostly-verified'))).toBe(false);
    expect(broken((d) => delete d.lockfiles[0].packages[0].unverifiedKeys)).toBe(false);
    expect(broken((d) => (d.lockfiles[0].packages[0].unverifiedKeys = [[1]]))).toBe(false);
    expect(broken((d) => (d.extra = true))).toBe(false);
  });

  it('the keys that are only a claim survive the outcome cache', async () => {
    const cacheDir = join(ws.dir, 'cache');
    const cold = await run({ cache: true, cacheDir });
    const warm = await run({ cache: true, cacheDir });
    const envy = (r: EnrichResult) => r.lockfiles[0]!.packages.find((p) => p.name === 'envy')!;
    expect(envy(cold).unverifiedKeys).toEqual([['environment']]);
    expect(warm.requests).toBe(0);
    expect(envy(warm).files[0]!.unverifiedKeys).toEqual([['environment']]);
    expect(envy(warm).unverifiedKeys).toEqual([['environment']]);
  });
});
