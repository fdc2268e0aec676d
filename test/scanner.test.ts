import { describe, expect, it } from 'vitest';
import { isPylockAttestError } from '../src/errors.js';
import { positionOf, scanToml, type KeyValueStatement, type Statement } from '../src/core/scanner.js';

/** The parts of a statement a reader checks by eye: what, where, and the text of its spans. */
function view(text: string, s: Statement) {
  return {
    kind: s.kind,
    path: [...s.path],
    at: `${s.line}:${s.column}`,
    text: text.slice(s.start, s.end),
    ...(s.kind === 'keyvalue' ? { value: text.slice(s.valueStart, s.end) } : {}),
    rest: text.slice(s.end, s.lineEnd),
    newline: text.slice(s.lineEnd, s.next),
  };
}

function scanView(text: string) {
  return scanToml(text).map((s) => view(text, s));
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isPylockAttestError(e) ? e.code : `not ours: ${String(e)}`;
  }
  return undefined;
}

describe('scanToml', () => {
  it('finds headers and key/value pairs with their offsets, lines and columns', () => {
    const text = 'a = 1\n\n[t]  # c\n  b.c = "x"\n[[arr]]\n';
    const st = scanToml(text);
    expect(st).toEqual([
      { kind: 'keyvalue', path: ['a'], lineStart: 0, start: 0, valueStart: 4, end: 5, lineEnd: 5, next: 6, line: 1, column: 1 },
      { kind: 'table', path: ['t'], lineStart: 7, start: 7, end: 10, lineEnd: 15, next: 16, line: 3, column: 1 },
      { kind: 'keyvalue', path: ['b', 'c'], lineStart: 16, start: 18, valueStart: 24, end: 27, lineEnd: 27, next: 28, line: 4, column: 3 },
      { kind: 'array-table', path: ['arr'], lineStart: 28, start: 28, end: 35, lineEnd: 35, next: 36, line: 5, column: 1 },
    ]);
  });

  it('decodes dotted, quoted and escaped keys, and headers with blanks inside', () => {
    const text = [
      `"a.b" . 'c d' .e = 1`,
      `"\\u0041\\U0001F600\\t\\"\\\\" = 2`,
      `[ x . "y.z" . 'w' ]`,
      `[[ 'q"r' .s ]]`,
      `"" = 3`,
      `'' = 4`,
      `1.2 = 5`,
      `-_- = 6`,
    ].join('\n');
    expect(scanToml(text).map((s) => [s.kind, ...s.path])).toEqual([
      ['keyvalue', 'a.b', 'c d', 'e'],
      ['keyvalue', 'A\u{1F600}\t"\\'],
      ['table', 'x', 'y.z', 'w'],
      ['array-table', 'q"r', 's'],
      ['keyvalue', ''],
      ['keyvalue', ''],
      ['keyvalue', '1', '2'],
      ['keyvalue', '-_-'],
    ]);
  });

  it('is not fooled by what strings hold: #, [, =, quotes and newlines', () => {
    const text = [
      `a = "# [x] = \\" '"  # real comment`,
      `b = 'C:\\path # [y]'`,
      `c = """`,
      `[[not.a.header]]`,
      `d = "\\"""" # still a comment`,
      `e = '''`,
      `[fake] = """ '''`,
      `f = 1`,
    ].join('\n');
    expect(scanView(text).slice(0, 2)).toEqual([
      { kind: 'keyvalue', path: ['a'], at: '1:1', text: `a = "# [x] = \\" '"`, value: `"# [x] = \\" '"`, rest: '  # real comment', newline: '\n' },
      { kind: 'keyvalue', path: ['b'], at: '2:1', text: `b = 'C:\\path # [y]'`, value: `'C:\\path # [y]'`, rest: '', newline: '\n' },
    ]);
    // The multi-line basic string ends at the first unescaped `"""` (plus one quote of content), on line 4.
    const st = scanToml(text) as KeyValueStatement[];
    expect(st.map((s) => [s.path.join('.'), s.line])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['e', 6],
      ['f', 8],
    ]);
    expect(text.slice(st[2]!.valueStart, st[2]!.end)).toBe(`"""\n[[not.a.header]]\nd = "\\""""`);
    expect(text.slice(st[2]!.end, st[2]!.lineEnd)).toBe(' # still a comment');
    expect(text.slice(st[3]!.valueStart, st[3]!.end)).toBe(`'''\n[fake] = """ '''`);
  });

  it('ends multi-line strings right, with up to two quotes before the closing three', () => {
    const cases: Array<[string, string]> = [
      [`s = """a""""\n`, `"""a""""`],
      [`s = """a"""""\n`, `"""a"""""`],
      [`s = '''a''''\n`, `'''a''''`],
      [`s = '''a'''''\n`, `'''a'''''`],
      [`s = """a\\\\"""\n`, `"""a\\\\"""`],
      [`s = """a\\""""\n`, `"""a\\""""`],
      [`s = """\\\n   x \\\r\n  """\n`, `"""\\\n   x \\\r\n  """`],
      [`s = "a\\\\"\n`, `"a\\\\"`],
      [`s = "\\\\\\""\n`, `"\\\\\\""`],
      [`s = ""\n`, `""`],
      [`s = ''\n`, `''`],
      [`s = """"""\n`, `""""""`],
    ];
    for (const [text, value] of cases) {
      const [s] = scanToml(text) as [KeyValueStatement];
      expect(text.slice(s.valueStart, s.end), text).toBe(value);
    }
  });

  it('skips nested arrays and inline tables, with comments and brackets in strings', () => {
    const text = [
      'a = [ # ] not the end',
      '  [1, 2], { x = "]", y = { z = [ "}" ] } },',
      "  '''multi",
      "]'''  , # , ",
      ']  # after',
      'b = { c = [1, [2, [3]]], "d]" = {} }',
      'c = 2',
    ].join('\n');
    const st = scanToml(text);
    expect(st.map((s) => [s.path[0], s.line, s.column])).toEqual([
      ['a', 1, 1],
      ['b', 6, 1],
      ['c', 7, 1],
    ]);
    expect(text.slice(st[0]!.end, st[0]!.lineEnd)).toBe('  # after');
    expect(text.slice(st[1]!.start, st[1]!.end)).toBe('b = { c = [1, [2, [3]]], "d]" = {} }');
  });

  it('accepts TOML 1.1 inline tables that span lines and hold comments', () => {
    const text = 'a = {\n  x = 1, # one\n  y = "}",\n}\nb = 1\n';
    expect(scanToml(text).map((s) => [s.path[0], s.line])).toEqual([
      ['a', 1],
      ['b', 5],
    ]);
  });

  it('ends a scalar before trailing blanks, keeping the space inside a date-time', () => {
    const text = 'd = 1979-05-27 07:32:00Z \t# c\nn = -0.5e+3\nb = true';
    expect(scanView(text).map((v) => [v.value, v.rest, v.newline])).toEqual([
      ['1979-05-27 07:32:00Z', ' \t# c', '\n'],
      ['-0.5e+3', '', '\n'],
      ['true', '', ''],
    ]);
  });

  it('handles LF, CRLF and mixed line endings, and a missing final newline', () => {
    const text = 'a = 1\r\n# c\r\n\r\n[t]\nb = [\r\n 1,\n]  # x\r\nc = 2';
    expect(scanView(text).map((v) => [v.path[0], v.at, v.rest, v.newline])).toEqual([
      ['a', '1:1', '', '\r\n'],
      ['t', '4:1', '', '\n'],
      ['b', '5:1', '  # x', '\r\n'],
      ['c', '8:1', '', ''],
    ]);
  });

  it('counts lines through every construct that can span lines', () => {
    const text = ['a = """', 'x', '"""', "b = '''", 'y', "'''", 'c = [', '1,', ']', 'd = {', 'e = 1', '}', '[t]', '  f = 1'].join('\r\n');
    expect(scanToml(text).map((s) => `${s.path[0]}@${s.line}:${s.column}`)).toEqual(['a@1:1', 'b@4:1', 'c@7:1', 'd@10:1', 't@13:1', 'f@14:3']);
  });

  it('reports lineStart with the indentation, and columns in UTF-16 units', () => {
    const text = '\t  [[p.w]]\n"😀" = 1\n';
    const [h, k] = scanToml(text) as [Statement, Statement];
    expect([h.lineStart, h.start, h.column]).toEqual([0, 3, 4]);
    expect([k.path, k.start, k.end, k.column]).toEqual([['😀'], 11, 19, 1]);
  });

  it('returns no statements for documents without any', () => {
    expect(scanToml('')).toEqual([]);
    expect(scanToml('\n\r\n  # only a comment\n\t\n')).toEqual([]);
  });

  it('shares decoded paths between statements, frozen', () => {
    const st = scanToml('[[p]]\nname = 1\n[[p]]\nname = 2\n');
    expect(st[0]!.path).toBe(st[2]!.path);
    expect(st[1]!.path).toBe(st[3]!.path);
    expect(Object.isFrozen(st[1]!.path)).toBe(true);
  });

  it('keeps distinct paths apart even when their cache slots collide', () => {
    // Same first and last character and length: the likeliest collisions.
    const keys = ['axb', 'ayb', 'a-b', 'a_b', '"a"', "'a'", 'a.b', 'a . b', '"a".b', 'axb'];
    const text = keys.map((k, i) => `${k} = ${i}`).join('\n');
    expect(scanToml(text).map((s) => s.path.join('|'))).toEqual(['axb', 'ayb', 'a-b', 'a_b', 'a', 'a', 'a|b', 'a|b', 'a|b', 'axb']);
  });

  it('tolerates a BOM, counting columns after it', () => {
    const [s] = scanToml('\uFEFFa = 1\n') as [Statement];
    expect([s.start, s.lineStart, s.column]).toEqual([1, 1, 1]);
  });

  // Not a validator (`a = 1 b = 2` scans as one scalar), but structure it cannot follow is an error.
  it('fails with LOCK_PARSE, never hangs, on text it cannot follow', () => {
    for (const bad of ['a = "x', "a = 'x", 'a = """x', "a = '''x", 'a = [1, 2', 'a = {', 'a 1', '[a', 'a =', '= 1', '[[a]']) {
      expect(
        codeOf(() => scanToml(bad)),
        bad,
      ).toBe('LOCK_PARSE');
    }
  });

  it('stays linear on pathological strings', () => {
    const texts = [
      `a = "${'\\\\'.repeat(200_000)}\\""\n`,
      `a = """${'\\"'.repeat(200_000)}"""\n`,
      `a = [${'['.repeat(50_000)}${']'.repeat(50_000)}]\n`,
      `${'a.'.repeat(100_000)}b = 1\n`,
    ];
    const t0 = performance.now();
    for (const text of texts) expect(scanToml(text)).toHaveLength(1);
    // A sanity bound for a loaded machine: this takes well under a second; quadratic would take minutes.
    expect(performance.now() - t0).toBeLessThan(15_000);
  });
});

describe('positionOf', () => {
  it('gives 1-based lines and columns across LF and CRLF', () => {
    const text = 'ab\r\ncd\nef';
    expect([0, 1, 4, 5, 7, 9].map((o) => positionOf(text, o))).toEqual([
      { line: 1, column: 1 },
      { line: 1, column: 2 },
      { line: 2, column: 1 },
      { line: 2, column: 2 },
      { line: 3, column: 1 },
      { line: 3, column: 3 },
    ]);
  });
});
