import fc from 'fast-check';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { renderIdentityInlineArray, renderIdentityTables, renderInlineIdentity, tomlKey, tomlString, tomlValue } from '../src/core/toml-emit.js';
import type { Identity } from '../src/core/types.js';

const RUNS = Number(process.env.FC_RUNS ?? 200);

/** Read a value back the way users' tools will: through a real TOML parser. */
function readBack(valueText: string): unknown {
  return parse(`v = ${valueText}\n`).v;
}

describe('tomlString', () => {
  it('escapes quotes, backslashes and every control character', () => {
    expect(tomlString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(tomlString('\b\t\n\f\r')).toBe('"\\b\\t\\n\\f\\r"');
    expect(tomlString('\u0000\u0001\u001b\u001f\u007f')).toBe('"\\u0000\\u0001\\u001B\\u001F\\u007F"');
  });

  it('leaves printable ASCII, other Unicode and non-BMP characters raw', () => {
    expect(tomlString("]] # ' = [[ {}")).toBe(`"]] # ' = [[ {}"`);
    expect(tomlString('é\u0080\u00a0\u2028😀')).toBe('"é\u0080\u00a0\u2028😀"');
  });

  it('writes each of the 33 control characters so that TOML reads it back', () => {
    for (let c = 0; c <= 0x7f; c++) {
      if (c >= 0x20 && c < 0x7f) continue;
      const s = `x${String.fromCharCode(c)}y`;
      const text = tomlString(s);
      expect(text).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(readBack(text)).toBe(s);
    }
  });

  it('refuses a lone surrogate, which UTF-8 cannot carry', () => {
    expect(() => tomlString('a\ud800b')).toThrow(RangeError);
    expect(() => tomlString('\udc00')).toThrow(RangeError);
    expect(tomlString('\ud83d\ude00')).toBe('"😀"');
  });

  it('round-trips any string through smol-toml (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => {
        expect(readBack(tomlString(s))).toBe(s);
      }),
      { numRuns: RUNS },
    );
  });

  it('round-trips a 100 kB string', () => {
    const s = `${'ab"\\\n\u0000😀'.repeat(14_000)}`.slice(0, 100_000);
    expect(readBack(tomlString(s))).toBe(s);
  });
});

describe('tomlKey', () => {
  it('leaves bare keys bare and quotes everything else', () => {
    expect(tomlKey('kind')).toBe('kind');
    expect(tomlKey('workflow_filepath')).toBe('workflow_filepath');
    expect(tomlKey('A-1_z')).toBe('A-1_z');
    expect(tomlKey('')).toBe('""');
    expect(tomlKey('a.b')).toBe('"a.b"');
    expect(tomlKey('a b')).toBe('"a b"');
    expect(tomlKey('é')).toBe('"é"');
    expect(tomlKey('"]')).toBe('"\\"]"');
  });

  it('gives keys that read back as themselves (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 24 }), (k) => {
        const doc = parse(`${tomlKey(k)} = 1\n`);
        expect(Object.keys(doc)).toEqual([k]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('tomlValue', () => {
  it('writes booleans and integers as themselves', () => {
    expect(tomlValue(true)).toBe('true');
    expect(tomlValue(false)).toBe('false');
    expect(tomlValue(0)).toBe('0');
    expect(tomlValue(-42)).toBe('-42');
    expect(tomlValue(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
  });

  it('writes other finite numbers as TOML floats that read back identical', () => {
    const cases: Array<[number, string]> = [
      [0.1, '0.1'],
      [-1.5, '-1.5'],
      [1e-7, '1e-7'],
      [1e21, '1e+21'],
      [2 ** 53, '9007199254740992.0'],
      [1e20, '100000000000000000000.0'],
      [-0, '-0.0'],
      [Number.MAX_VALUE, '1.7976931348623157e+308'],
      [Number.MIN_VALUE, '5e-324'],
    ];
    for (const [v, text] of cases) {
      expect(tomlValue(v)).toBe(text);
      expect(Object.is(readBack(text), v)).toBe(true);
    }
  });

  it('refuses NaN and infinities (TOML has them, identities must not)', () => {
    for (const v of [NaN, Infinity, -Infinity]) expect(() => tomlValue(v)).toThrow(RangeError);
  });

  it('reads back any finite double (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
        expect(Object.is(readBack(tomlValue(v)), v)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

const github: Identity = { kind: 'GitHub', repository: 'o/r', workflow: 'release.yml', environment: 'pypi' };
const gitlab: Identity = { kind: 'GitLab', repository: 'g/p', workflow_filepath: '.gitlab-ci.yml' };

describe('renderIdentityTables', () => {
  it('writes one block per identity, keys in object order, separated by a blank line', () => {
    expect(renderIdentityTables([github, gitlab], { eol: '\n', indent: '' })).toBe(
      [
        '[[packages.attestation-identities]]',
        'kind = "GitHub"',
        'repository = "o/r"',
        'workflow = "release.yml"',
        'environment = "pypi"',
        '',
        '[[packages.attestation-identities]]',
        'kind = "GitLab"',
        'repository = "g/p"',
        'workflow_filepath = ".gitlab-ci.yml"',
        '',
      ].join('\n'),
    );
  });

  it('uses the given line ending and indentation everywhere', () => {
    expect(renderIdentityTables([{ kind: 'Google', email: 'a@b' }], { eol: '\r\n', indent: '    ' })).toBe(
      '    [[packages.attestation-identities]]\r\n    kind = "Google"\r\n    email = "a@b"\r\n',
    );
  });

  it('writes nothing for no identities', () => {
    expect(renderIdentityTables([], { eol: '\n', indent: '' })).toBe('');
  });

  it('writes hostile keys and values so they cannot break out of their line', () => {
    const hostile: Identity = { kind: 'x"\n[[packages]]\nname = "evil', 'a = 1\n#': ']]\u007f\u0000', '': true };
    const text = renderIdentityTables([hostile], { eol: '\n', indent: '' });
    expect(text.split('\n')).toHaveLength(5);
    expect(parse(`[[packages]]\n${text}`)).toEqual({ packages: [{ 'attestation-identities': [hostile] }] });
  });
});

describe('renderIdentityInlineArray', () => {
  it('writes a one-line array of inline tables without trailing commas', () => {
    expect(renderInlineIdentity(github)).toBe('{ kind = "GitHub", repository = "o/r", workflow = "release.yml", environment = "pypi" }');
    expect(renderIdentityInlineArray([gitlab, { kind: 'Google', email: 'a@b' }])).toBe(
      '[{ kind = "GitLab", repository = "g/p", workflow_filepath = ".gitlab-ci.yml" }, { kind = "Google", email = "a@b" }]',
    );
    expect(renderIdentityInlineArray([])).toBe('[]');
  });

  it('writes one element per line when asked, indented under the key', () => {
    const text = renderIdentityInlineArray([gitlab, { kind: 'Google', email: 'a@b' }], { eol: '\r\n', indent: '  ', multiline: true });
    expect(text).toBe(
      '[\r\n      { kind = "GitLab", repository = "g/p", workflow_filepath = ".gitlab-ci.yml" },\r\n      { kind = "Google", email = "a@b" },\r\n  ]',
    );
    expect(parse(`x = ${text}`).x).toEqual([gitlab, { kind: 'Google', email: 'a@b' }]);
  });

  it('writes an empty table as {}', () => {
    expect(renderInlineIdentity({} as Identity)).toBe('{}');
  });
});
