/**
 * toml-eslint-parser as an independent reference for our scanner's positions:
 * both sides reduced to the same view of every header and statement-level
 * key/value pair. Used by the conformance suite and the editor's property tests.
 */
import type { AST } from 'toml-eslint-parser';
import type { Statement } from '../../src/core/scanner.js';

/** What both sides must agree on, per header or statement-level key/value pair. */
export interface View {
  kind: string;
  path: string[];
  start: number;
  line: number;
  column: number;
  valueStart?: number;
  end?: number;
}

export function scannerView(statements: Statement[]): View[] {
  return statements.map((s) => {
    const { kind, start, line, column } = s;
    const path = [...s.path];
    return s.kind === 'keyvalue' ? { kind, path, start, line, column, valueStart: s.valueStart, end: s.end } : { kind, path, start, line, column, end: s.end };
  });
}

function keyPath(key: AST.TOMLKey): string[] {
  return key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : k.value));
}

function kvView(kv: AST.TOMLKeyValue, text: string): View {
  const { range, loc } = kv;
  const base = { kind: 'keyvalue', path: keyPath(kv.key), start: range[0], line: loc.start.line, column: loc.start.column + 1 };
  const [valueStart, end] = kv.value.range;
  // toml-eslint-parser 1.0.3 gives a `0` that ends the file (no newline) an empty range: its quirk, not ours.
  const quirk = end === valueStart && text.slice(valueStart) === '0';
  return { ...base, valueStart, end: quirk ? end + 1 : end };
}

/** Past the `]` (or `]]`) closing a header: the punctuator tokens after its key. */
function headerEnd(tokens: AST.Token[], table: AST.TOMLTable): number {
  let i = tokens.findIndex((t) => t.range[0] >= table.key.range[1]);
  if (table.kind === 'array') i++;
  return (tokens[i] as AST.Token).range[1];
}

/** toml-eslint-parser's statements in document order: top-level pairs, then each table and its pairs. */
export function referenceStatements(program: AST.TOMLProgram, text: string): View[] {
  return program.body[0].body.flatMap((node) => {
    if (node.type === 'TOMLKeyValue') return [kvView(node, text)];
    const { range, loc } = node;
    const kind = node.kind === 'array' ? 'array-table' : 'table';
    const end = headerEnd(program.tokens, node);
    const header = { kind, path: keyPath(node.key), start: range[0], line: loc.start.line, column: loc.start.column + 1, end };
    return [header, ...node.body.map((kv) => kvView(kv, text))];
  });
}
