/**
 * PEP 440, exactly: equality, order and normal form against Python's
 * packaging (the reference), and the precision case that
 * @renovatebot/pep440 gets wrong (it parses numbers as floats), everywhere
 * a version is compared: pins, constraints, files of a version, lock order.
 */
import { spawnSync } from 'node:child_process';
import { compare, eq, satisfies } from '@renovatebot/pep440';
import { describe, expect, it } from 'vitest';
import { selectFiles, normalizeVersion, type IndexFile } from '../src/core/lock-selection.js';
import { renderLock } from '../src/core/lock-writer.js';
import { collectPins } from '../src/core/pin-set.js';
import { parseRequirements } from '../src/core/requirements.js';
import { compareVersions, normalVersion, sameVersion, versionKey } from '../src/core/version-key.js';
import { PylockAttestError } from '../src/errors.js';

const HUGE = '1.99999999999999999999';
const HUGE_LESS = '1.99999999999999999998';

const VERSIONS = [
  '0',
  '1',
  '1.0',
  '1.0.0',
  '01.00',
  'v1.0',
  '1!0.1',
  '0!1.0',
  '1.0a1',
  '1.0alpha1',
  '1.0-A-1',
  '1.0b2',
  '1.0rc1',
  '1.0c1',
  '1.0pre1',
  '1.0preview1',
  '1.0a',
  '1.0.post1',
  '1.0-1',
  '1.0rev1',
  '1.0.post',
  '1.0.dev0',
  '1.0dev',
  '1.0.dev1',
  '1.0a1.dev1',
  '1.0.post1.dev1',
  '1.0rc1.post2.dev3',
  '1.0+abc',
  '1.0+abd',
  '1.0+ABC.01',
  '1.0+abc-1',
  '1.0+1',
  '1.0+01.a',
  '1.0+a.1',
  '1.0+1.a',
  '1.0+1.a.0',
  '2.0',
  '1.10',
  '1.9',
  '1.0.1',
  HUGE,
  HUGE_LESS,
  '1.100000000000000000000',
  '99999999999999999999999.0',
  '1.0.post99999999999999999999',
  '7!1',
  '10!0.0.1a1',
];

/** Python's packaging on the same list: normal forms, and each pair's order (-1, 0, 1). */
function reference(): { normal: string[]; order: number[][] } | undefined {
  const script = [
    'import json, sys',
    'from packaging.version import Version',
    'vs = [Version(v) for v in json.loads(sys.argv[1])]',
    'print(json.dumps({"normal": [str(v) for v in vs], "order": [[(a > b) - (a < b) for b in vs] for a in vs]}))',
  ].join('\n');
  const run = spawnSync('python3', ['-c', script, JSON.stringify(VERSIONS)], { encoding: 'utf8' });
  return run.status === 0 ? (JSON.parse(run.stdout) as { normal: string[]; order: number[][] }) : undefined;
}

const ref = reference();

describe('PEP 440 as packaging decides it', () => {
  it.skipIf(ref === undefined)(
    `order, equality and normal form of every pair${ref === undefined ? ' (skipped: python3 with packaging not found)' : ''}`,
    () => {
      VERSIONS.forEach((a, i) => {
        expect(normalVersion(a), a).toBe(ref!.normal[i]);
        VERSIONS.forEach((b, j) => {
          expect(compareVersions(a, b), `${a} vs ${b}`).toBe(ref!.order[i]![j]);
          expect(sameVersion(a, b), `${a} == ${b}`).toBe(ref!.order[i]![j] === 0);
        });
      });
    },
  );

  it('says nothing about what is not a version', () => {
    expect(compareVersions('1.0', 'bad')).toBeUndefined();
    expect(normalVersion('1..0')).toBeUndefined();
    expect(sameVersion('bad', 'bad')).toBe(false);
    expect(versionKey('')).toBeUndefined();
  });
});

describe('numbers of any size (where floats would round)', () => {
  it('is the case @renovatebot/pep440 gets wrong: it parses segments as floats', () => {
    // Pinned: if the library ever becomes exact, this test says so, and the guards can go.
    expect(eq(HUGE, HUGE_LESS)).toBe(true);
    expect(compare(HUGE, HUGE_LESS)).toBe(0);
    expect(satisfies(HUGE, `==${HUGE_LESS}`)).toBe(true);
  });

  it('tells them apart: equality, order and normal form', () => {
    expect(sameVersion(HUGE, HUGE_LESS)).toBe(false);
    expect(compareVersions(HUGE, HUGE_LESS)).toBe(1);
    expect(normalizeVersion(HUGE)).toBe(HUGE);
    expect(normalizeVersion(`V${HUGE}-1`)).toBe(`${HUGE}.post1`);
  });

  const at = { file: 'r.txt', line: 1, column: 1 };
  const codeOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (e) {
      return e instanceof PylockAttestError ? e.code : String(e);
    }
    return undefined;
  };

  it('pins: two pins of one project that differ only past float precision conflict', () => {
    const entries = parseRequirements(`x==${HUGE}\nx==${HUGE_LESS}\n`, 'r.txt', { constraints: false }).entries;
    expect(codeOf(() => collectPins(entries))).toBe('REQUIREMENTS');
    expect(collectPins(parseRequirements(`x==${HUGE}\nx==${HUGE}.0\n`, 'r.txt', { constraints: false }).entries).pins).toHaveLength(1);
  });

  it('constraints: renovate is asked only where it is exact; past that, a clear refusal', () => {
    const pins = parseRequirements(`x==${HUGE}\n`, 'r.txt', { constraints: false }).entries;
    const constraint = (spec: string) => parseRequirements(`x${spec}\n`, 'c.txt', { constraints: true }).entries;
    expect(codeOf(() => collectPins([...pins, ...constraint(`==${HUGE_LESS}`)]))).toBe('REQUIREMENTS');
    expect(codeOf(() => collectPins([...pins, ...constraint(`==${HUGE}`)]))).toBe('REQUIREMENTS');
    const small = parseRequirements('x==1.2.3\n', 'r.txt', { constraints: false }).entries;
    expect(codeOf(() => collectPins([...small, ...constraint('>=1.2,<2')]))).toBeUndefined();
    expect(codeOf(() => collectPins([...small, ...constraint('<1.2')]))).toBe('REQUIREMENTS');
  });

  it('files of a version: a file of the neighbouring huge release is not recorded', () => {
    const file = (version: string): IndexFile => ({
      filename: `x-${version}.tar.gz`,
      url: `https://files.example/x-${version}.tar.gz`,
      sha256: 'a'.repeat(64),
      size: 1,
      uploadTime: undefined,
      requiresPython: undefined,
      yanked: false,
      conflict: false,
    });
    const pin = { name: 'x', project: 'x', extras: [], version: HUGE, marker: undefined, hashes: [], at };
    const chosen = selectFiles(pin, [file(HUGE_LESS), file(HUGE)], 'https://pypi.org/simple');
    expect(chosen.package.sdist?.filename).toBe(`x-${HUGE}.tar.gz`);
    expect(chosen.package.version).toBe(HUGE);
  });

  it('lock order: packages of one name and marker sort by exact version', () => {
    const pkg = (version: string) => ({
      name: 'x',
      version,
      index: 'https://pypi.org/simple',
      wheels: [],
      sdist: { filename: `x-${version}.tar.gz`, url: `https://f/x-${version}.tar.gz`, sha256: 'a'.repeat(64) },
    });
    const text = renderLock({ packages: [pkg(HUGE), pkg('1.100000000000000000000'), pkg(HUGE_LESS)] });
    const versions = [...text.matchAll(/^version = "(.*)"$/gm)].map((m) => m[1]);
    expect(versions).toEqual([HUGE_LESS, HUGE, '1.100000000000000000000']);
  });
});
