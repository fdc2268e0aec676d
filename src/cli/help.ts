/**
 * The usage and help screens, rendered from the options table alone, so
 * `--help` loads nothing else (docs/architecture.md). Laid out as `gh` lays
 * out its help: usage, description, options by group, examples, exit codes.
 */
import { VERSION } from '../version.js';
import {
  COMMANDS,
  commandSpec,
  describeFor,
  DESCRIPTION,
  DOCS_POINTER,
  EXIT_CODES,
  GLOBAL_FLAGS,
  OPTION_GROUPS,
  optionsFor,
  usageOf,
  type CommandName,
  type OptionSpec,
} from './options.js';
import { wrap } from './terminal-text.js';

const MAX_WIDTH = 100;

/** `pylock-attest`, `pylock-attest help`, `pylock-attest --help`. */
export function renderUsage(columns?: number): string {
  const width = widthOf(columns);
  const names = Math.max(...COMMANDS.map((c) => c.name.length));
  const out = [
    `pylock-attest ${VERSION}: ${DESCRIPTION}`,
    '',
    'USAGE',
    '  pylock-attest <command> [options]',
    '',
    'COMMANDS',
    ...COMMANDS.flatMap((c) => columnsOf(c.name.padEnd(names), c.summary, width)),
    '',
    'FLAGS',
    ...table(GLOBAL_FLAGS, width),
    '',
    'EXIT CODES',
    ...table(
      EXIT_CODES.map(([code, meaning]) => [String(code), meaning] as const),
      width,
    ),
    '',
    'LEARN MORE',
    ...wrap(DOCS_POINTER, width - 2).map((l) => `  ${l}`),
    '',
  ];
  return out.join('\n');
}

/** `pylock-attest <command> --help` and `pylock-attest help <command>`. */
export function renderCommandHelp(name: CommandName, columns?: number): string {
  const width = widthOf(columns);
  const spec = commandSpec(name);
  const out = [
    `pylock-attest ${name}: ${spec.summary}`,
    '',
    'USAGE',
    `  pylock-attest ${usageOf(spec)}${optionsFor(name).length > 0 ? ' [options]' : ''}`,
    '',
    ...wrap(spec.details, width - 2).map((l) => `  ${l}`),
    '',
  ];
  const options = optionsFor(name);
  const left = Math.min(26, Math.max(0, ...options.map((o) => flagColumn(o).length)));
  for (const group of OPTION_GROUPS) {
    const inGroup = options.filter((o) => o.group === group);
    if (inGroup.length === 0) continue;
    out.push(`${group.toUpperCase()} OPTIONS`, ...inGroup.flatMap((o) => columnsOf(flagColumn(o), optionText(o, name), width, left)), '');
  }
  out.push('EXAMPLES', ...spec.examples.flatMap((e) => [`  # ${e.says}`, `  $ ${e.command}`]), '');
  out.push(
    'EXIT CODES',
    ...table(
      spec.exitCodes.map(([code, meaning]) => [String(code), meaning] as const),
      width,
    ),
    '',
  );
  out.push(
    'LEARN MORE',
    `  pylock-attest explain <finding>   what a finding or error code means, and what to do`,
    '  docs/cli.md                       every command and option',
    '',
  );
  return out.join('\n');
}

/** `-o, --output FILE`, `--verify, --no-verify`, `--format text|json`. */
export function flagColumn(o: OptionSpec): string {
  const long = o.type === 'boolean' && o.default === true ? `--${o.name}, --no-${o.name}` : `--${o.name}`;
  const value = o.type === 'boolean' ? '' : ` ${o.choices ? o.choices.join('|') : (o.placeholder ?? (o.type === 'number' ? 'N' : 'VALUE'))}`;
  return `${o.alias !== undefined ? `-${o.alias}, ` : ''}${long}${value}`;
}

export function optionText(o: OptionSpec, command: CommandName): string {
  const fallback = o.defaultText ?? (o.default !== undefined && o.type !== 'boolean' ? String(o.default) : undefined);
  return `${describeFor(o, command)}${fallback !== undefined ? ` (default: ${fallback})` : ''}`;
}

function widthOf(columns: number | undefined): number {
  // A pty may report 0 columns (unknown size); a pipe reports none.
  return Math.max(60, Math.min(MAX_WIDTH, columns || MAX_WIDTH));
}

function table(rows: readonly (readonly [string, string])[], width: number): string[] {
  const left = Math.max(...rows.map(([k]) => k.length));
  return rows.flatMap(([k, v]) => columnsOf(k.padEnd(left), v, width, left));
}

/** `  left   text…` with the text wrapped under itself; a left column too long for the gutter gets a line of its own. */
function columnsOf(left: string, text: string, width: number, gutter = left.length): string[] {
  const indent = 2 + gutter + 3;
  const lines = wrap(text, Math.max(20, width - indent));
  const pad = ' '.repeat(indent);
  if (left.length > gutter) return [`  ${left}`, ...lines.map((l) => pad + l)];
  return [`  ${left.padEnd(gutter)}   ${lines[0] ?? ''}`, ...lines.slice(1).map((l) => pad + l)];
}
