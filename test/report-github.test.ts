import { describe, expect, it } from 'vitest';
import { escapeData, escapeProperty, renderAuditGithub } from '../src/cli/report/github.js';
import { everyCategoryResult, fixtureResult, HOSTILE_TEXT } from './report-sample.ts';

/**
 * The workflow-command grammar (GitHub Actions, as @actions/core writes it):
 * `::name key=value,key=value::message`, one per line; property values have
 * `%`, CR, LF, `:` and `,` percent-escaped; the message `%`, CR and LF.
 */
const COMMAND =
  /^::(error|warning|notice)(?: ((?:file|line|endLine|col|endColumn|title)=[^,:\r\n]*(?:,(?:file|line|endLine|col|endColumn|title)=[^,:\r\n]*)*))?::([^\r\n]*)$/;

function parse(line: string) {
  const m = COMMAND.exec(line);
  expect(m, line).not.toBeNull();
  const unescaped = (s: string) => s.replace(/%(25|0D|0A|3A|2C)/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  const props = Object.fromEntries(
    (m![2] ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split('=') as [string, string])
      .map(([k, v]) => [k, unescaped(v)]),
  );
  return { level: m![1], props, message: unescaped(m![3]!) };
}

describe('github workflow commands', () => {
  it('escape as @actions/core does', () => {
    expect(escapeData('100% done\r\nnext')).toBe('100%25 done%0D%0Anext');
    expect(escapeData('%0A')).toBe('%250A');
    expect(escapeData('a:b,c')).toBe('a:b,c');
    expect(escapeProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
    expect(escapeData('\u001b[31mred')).toBe('\\u001b[31mred');
  });

  it('one command per finding, in the exact grammar, with file, line and title', async () => {
    for (const result of [await fixtureResult(), everyCategoryResult()]) {
      const lines = renderAuditGithub(result).split('\n').filter(Boolean);
      const errors = result.lockfiles.filter((l) => l.error).length;
      expect(lines).toHaveLength(result.findings.length + errors);
      const commands = lines.map(parse).slice(errors);
      commands.forEach((c, i) => {
        const f = result.findings[i]!;
        expect(c.level).toBe(f.allowed ? 'notice' : { error: 'error', warning: 'warning', info: 'notice' }[f.severity]);
        expect(c.props['file']).toBe(f.path);
        expect(c.props['line']).toBe(f.line > 0 ? String(f.line) : undefined);
        expect(c.props['title']).toContain(f.category);
      });
    }
  });

  it('hostile values round-trip and cannot start a command of their own', () => {
    const out = renderAuditGithub(everyCategoryResult());
    const lines = out.split('\n').filter(Boolean);
    for (const line of lines) expect(line.startsWith('::error ') || line.startsWith('::warning ') || line.startsWith('::notice ')).toBe(true);
    const hostile = lines.map(parse).find((c) => c.props['title']?.includes('pkg-a'))!;
    expect(hostile.message).toBe(HOSTILE_TEXT);
    expect(hostile.props['title']).toContain(`pkg-${HOSTILE_TEXT}`);
  });

  it('nothing to report: no output', async () => {
    expect(renderAuditGithub({ ...(await fixtureResult()), findings: [] })).toBe('');
  });
});
