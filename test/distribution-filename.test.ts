import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { distributionKey, fileBinding, sameDistribution } from '../src/core/distribution-filename.js';
import { versionKey } from '../src/core/version-key.js';

describe('versionKey (PEP 440 equality)', () => {
  it.each([
    ['1.0', '1.0.0'],
    ['1.0', 'v1.0'],
    ['01.00', '1'],
    ['1.0a1', '1.0alpha1'],
    ['1.0a1', '1.0-A-1'],
    ['1.0b2', '1.0beta2'],
    ['1.0rc1', '1.0c1'],
    ['1.0rc1', '1.0pre1'],
    ['1.0rc1', '1.0preview1'],
    ['1.0a', '1.0a0'],
    ['1.0.post1', '1.0-1'],
    ['1.0.post1', '1.0rev1'],
    ['1.0.post0', '1.0.post'],
    ['1.0.dev0', '1.0dev'],
    ['1.0+ABC.01', '1.0+abc-1'],
    ['0!1.0', '1.0'],
  ])('%s == %s', (a, b) => {
    expect(versionKey(a)).toBeDefined();
    expect(versionKey(a)).toBe(versionKey(b));
  });

  it.each([
    ['1!1.0', '1.0'],
    ['1.0', '1.0+local'],
    ['1.0.dev1', '1.0'],
    ['1.0a1', '1.0b1'],
    ['1.0.post1', '1.0'],
    ['1.99999999999999999999', '1.99999999999999999998'],
    ['1.0+abc', '1.0+abd'],
  ])('%s != %s', (a, b) => {
    expect(versionKey(a)).not.toBe(versionKey(b));
  });

  it.each(['', 'bad', '1.0-', '1..0', '1.0+', '1.0+a..b', 'v', '1.0 1'])('rejects %j', (v) => {
    expect(versionKey(v)).toBeUndefined();
  });
});

describe('sameDistribution', () => {
  it.each([
    ['pep740-sampleproject-1.0.0.tar.gz', 'pep740_sampleproject-1.0.0.tar.gz'],
    ['Foo.Bar-1.0.tar.gz', 'foo_bar-1.0.0.tar.gz'],
    ['foo-1.0.zip', 'Foo-1.0.0.zip'],
    ['foo-1.0-py3-none-any.whl', 'Foo-1.0.0-py3-none-any.whl'],
    ['foo-1.0-py2.py3-none-any.whl', 'foo-1.0-py3.py2-none-any.whl'],
    ['foo-1.0-PY3-None-Any.whl', 'foo-1.0-py3-none-any.whl'],
    ['foo-1.0-1-py3-none-any.whl', 'foo-1.0-01-py3-none-any.whl'],
    ['foo-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'foo-1.0-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl'],
  ])('%s ≡ %s', (a, b) => {
    expect(sameDistribution(a, b)).toBe(true);
  });

  it.each([
    ['foo-1.0.tar.gz', 'foo-1.1.tar.gz'],
    ['foo-1.0.tar.gz', 'bar-1.0.tar.gz'],
    ['foo-1.0.tar.gz', 'foo-1.0.zip'], // stricter than packaging: the archive format must match
    ['foo-1.0.tar.gz', 'foo-1.0-py3-none-any.whl'],
    ['foo-1.0-py3-none-any.whl', 'foo-1.0-py2-none-any.whl'],
    ['foo-1.0-py3-none-any.whl', 'foo-1.0-1-py3-none-any.whl'],
    ['foo-1.0-1a-py3-none-any.whl', 'foo-1.0-1b-py3-none-any.whl'],
    ['foo-1.0-py2.py3-none-any.whl', 'foo-1.0-py3-none-any.whl'],
    ['garbage', 'garbage'], // unparseable never matches, not even itself
    ['foo-1.0.tar.gz\n', 'foo-1.0.tar.gz'],
    ['foo-1.0.TAR.GZ', 'foo-1.0.TAR.GZ'],
  ])('%j ≢ %j', (a, b) => {
    expect(sameDistribution(a, b)).toBe(false);
  });

  it.each([
    'foo__bar-1.0-py3-none-any.whl', // packaging rejects `__` in wheel names
    'foo-bar-1.0-py3-none-any.whl', // an unescaped dash in a wheel name
    'foo-1.0-x-1-py3-none-any.whl', // too many parts
    'foo-1.0-py3-none.whl',
    'foo-1.0-py3..x-none-any.whl',
    'foo-1.0-abc-py3-none-any.whl', // build tag must start with a digit
    '-1.0.tar.gz',
    'foo.tar.gz',
    'foo-bad.tar.gz',
    'dir/foo-1.0.tar.gz',
    `${'a'.repeat(600)}-1.0.tar.gz`,
  ])('%s is not a valid distribution filename', (f) => {
    expect(distributionKey(f)).toBeUndefined();
  });

  it('treats any spelling of the project name as the same sdist', () => {
    const part = fc.stringMatching(/^[a-z0-9]{1,6}$/);
    const sep = fc.constantFrom('-', '_', '.', '--', '_.');
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), sep, fc.boolean(), (parts, s, upper) => {
        const canonical = `${parts.join('_')}-1.0.tar.gz`;
        const spelled = `${parts.join(s)}-1.0.0.tar.gz`;
        expect(sameDistribution(upper ? spelled.toUpperCase().replace('.TAR.GZ', '.tar.gz') : spelled, canonical)).toBe(true);
      }),
    );
  });
});

describe('fileBinding agrees with packaging.utils (one python3 run)', () => {
  // Real spellings: PEP 625 and legacy sdists, build tags, compressed tag sets, local versions, case.
  const NAMES: Array<[string, 'sdist' | 'wheel']> = [
    ['pypi_attestations-0.0.19.tar.gz', 'sdist'],
    ['pep740_sampleproject-1.0.0.tar.gz', 'sdist'],
    ['python-dateutil-2.8.2.tar.gz', 'sdist'],
    ['MarkupSafe-2.1.5.tar.gz', 'sdist'],
    ['Django-1.11.zip', 'sdist'],
    ['zope.interface-6.0.tar.gz', 'sdist'],
    ['pytz-2013b.tar.gz', 'sdist'],
    ['numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'wheel'],
    ['MarkupSafe-2.1.5-cp311-cp311-win_amd64.whl', 'wheel'],
    ['torch-2.3.0+cpu-cp311-cp311-linux_x86_64.whl', 'wheel'],
    ['foo_bar-1.0-2-py2.py3-none-any.whl', 'wheel'],
    ['attrs-25.1.0-py3-none-any.whl', 'wheel'],
  ];
  const script = [
    'import json, sys',
    'from packaging.utils import parse_sdist_filename, parse_wheel_filename',
    'out = []',
    'for name, kind in json.loads(sys.argv[1]):',
    '    n, v = (parse_wheel_filename(name)[:2] if kind == "wheel" else parse_sdist_filename(name))',
    '    out.append([str(n), str(v)])',
    'print(json.dumps(out))',
  ].join('\n');
  const run = spawnSync('python3', ['-c', script, JSON.stringify(NAMES)], { encoding: 'utf8' });
  const parsed = run.status === 0 ? (JSON.parse(run.stdout) as Array<[string, string]>) : undefined;

  it.skipIf(parsed === undefined)(
    `binds each file to what packaging parses, and to nothing else${parsed === undefined ? ' (skipped: python3 with packaging not found)' : ''}`,
    () => {
      NAMES.forEach(([filename, kind], i) => {
        const [project, version] = parsed![i]!;
        expect(fileBinding(filename, kind, project, version), filename).toBeUndefined();
        expect(fileBinding(filename, kind, `${project}-x`, version), filename).toMatch(/names the project/);
        expect(fileBinding(filename, kind, project, `${version}.1`), filename).toMatch(/is version/);
      });
    },
  );
});
