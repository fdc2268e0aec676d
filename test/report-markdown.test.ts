import { describe, expect, it } from 'vitest';
import { renderAuditMarkdown } from '../src/cli/report/markdown.js';
import { describeSet } from '../src/core/findings.js';
import { everyCategoryResult, fixtureResult, HOSTILE_TEXT } from './report-sample.ts';
import type { AuditResult } from '../src/app/audit-result.js';

/** GFM table cells: split on pipes not escaped by a backslash, then undo backslash escapes of punctuation. */
function cells(row: string): string[] {
  expect(row.startsWith('| ') && row.endsWith(' |')).toBe(true);
  const out: string[] = [];
  let cell = '';
  for (let i = 1; i < row.length; i++) {
    const c = row[i]!;
    if (c === '\\' && i + 1 < row.length) {
      cell += c + row[++i]!;
    } else if (c === '|') {
      out.push(cell);
      cell = '';
    } else cell += c;
  }
  return out.map((x) => x.trim().replace(/\\([!-/:-@[-`{-~])/g, '$1'));
}

function table(md: string): { header: string[]; rows: string[][] } {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  const block = lines.slice(start).filter((l) => l.startsWith('|'));
  expect(block[1]).toMatch(/^\|(?:---\|)+$/);
  expect(lines.slice(start, start + block.length)).toEqual(block); // contiguous: no row was split by a newline
  return { header: cells(block[0]!), rows: block.slice(2).map(cells) };
}

function expectedRow(f: AuditResult['findings'][number]): string[] {
  const flat = (s: string) => s.replace(/[\r\n]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '');
  return [
    f.allowed ? `${f.severity} (allowed until ${f.allowance!.expires})` : f.severity,
    f.subkind ? `${f.category} (${f.subkind})` : f.category,
    f.package,
    f.version ?? '',
    f.line > 0 ? `${f.path}:${f.line}` : f.path!,
    f.old ? describeSet(f.old) : '',
    f.new ? describeSet(f.new) : '',
    f.allowance ? `${f.message}. Accepted: ${f.allowance.reason}` : f.message,
  ].map(flat);
}

describe('markdown report', () => {
  it('is one table: header, separator, one row per finding; every cell reads back as written', async () => {
    for (const result of [await fixtureResult(), everyCategoryResult()]) {
      const { header, rows } = table(renderAuditMarkdown(result));
      expect(header).toEqual(['severity', 'finding', 'package', 'version', 'location', 'before', 'after', 'details']);
      expect(rows).toHaveLength(result.findings.length);
      for (const [i, row] of rows.entries()) expect(row).toEqual(expectedRow(result.findings[i]!));
    }
  });

  it('hostile values cannot close a cell, start a row, or become HTML, links or code', () => {
    const md = renderAuditMarkdown(everyCategoryResult());
    const row = md.split('\n').find((l) => l.includes('pkg-a'))!;
    expect(row).toContain('a\\|b\\\\\\|c');
    expect(row).not.toMatch(/(?<!\\)<i>|(?<!\\)\[z\]|(?<!\\)`q|(?<!\\)\*s/);
    expect(cells(row)[7]).toBe(HOSTILE_TEXT.replace(/\r\n/, ' '));
  });

  it('says so when there is nothing to report', async () => {
    const result = { ...(await fixtureResult()), findings: [] };
    expect(renderAuditMarkdown(result)).toContain('No findings.');
    expect(renderAuditMarkdown(result)).not.toContain('|');
  });
});
