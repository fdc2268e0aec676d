import { renderErrorDocs, renderFindingDocs } from './explanations.js';
import { flagColumn } from './help.js';
import { COMMANDS, describeFor, EXIT_CODES, OPTION_GROUPS, optionsFor, usageOf, type CommandName, type OptionSpec } from './options.js';

/** docs/cli.md, rendered from the options table and the error-code explanations. */
export function renderCliDoc(): string {
  const parts = [
    '# Command-line reference',
    '',
    '<!-- Generated from src/cli/options.ts and src/cli/explanations.ts by `npm run docs:cli`; test/cli-doc.test.ts fails when it drifts. -->',
    '',
    '`pylock-attest <command> --help` prints the same, per command. Exit codes every command shares:',
    '',
    '| code | meaning |',
    '|---|---|',
    ...EXIT_CODES.map(([code, meaning]) => `| \`${code}\` | ${cell(meaning)} |`),
    '',
    'Output: the report goes to stdout; in a text report every error and warning goes to stderr, in a JSON report they are data on stdout (a run that fails before its report prints `pylock-attest/error@1`, [docs/schema/error-v1.schema.json](schema/error-v1.schema.json)). Colour follows `--color`, then `FORCE_COLOR`/`CLICOLOR_FORCE`, then `NO_COLOR`, then whether the stream is a terminal.',
    '',
  ];
  for (const cmd of COMMANDS) {
    parts.push(`## \`pylock-attest ${usageOf(cmd)}\``, '', `${cmd.summary}.`, '', cmd.details, '', '```sh');
    for (const example of cmd.examples) parts.push(`# ${example.says}`, example.command);
    parts.push('```', '', '| exit | meaning |', '|---|---|', ...cmd.exitCodes.map(([code, meaning]) => `| \`${code}\` | ${cell(meaning)} |`), '');
    parts.push(...optionTables(cmd.name));
  }
  parts.push(
    '## Error codes',
    '',
    'Every error names its code in `--format json` (`error.code`); `pylock-attest explain <CODE>` prints its section.',
    '',
    renderErrorDocs(),
    '',
  );
  return parts.join('\n');
}

function optionTables(command: CommandName): string[] {
  const out: string[] = [];
  for (const group of OPTION_GROUPS) {
    const options = optionsFor(command).filter((o) => o.group === group);
    if (options.length === 0) continue;
    out.push(
      `${group[0]!.toUpperCase()}${group.slice(1)} options:`,
      '',
      '| option | default | description |',
      '|---|---|---|',
      ...options.map((o) => optionRow(o, command)),
      '',
    );
  }
  return out;
}

function optionRow(opt: OptionSpec, command: CommandName): string {
  const def = opt.defaultText !== undefined ? `\`${opt.defaultText}\`` : opt.default !== undefined ? `\`${String(opt.default)}\`` : '';
  return `| \`${cell(flagColumn(opt))}\` | ${def} | ${cell(describeFor(opt, command))} |`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

const BEGIN = '<!-- BEGIN generated from src/cli/explanations.ts by `npm run docs:cli`; test/cli-doc.test.ts fails when it drifts -->';
const END = '<!-- END generated -->';

/** docs/audit.md with its findings table and per-finding sections regenerated between the markers. */
export function renderAuditDoc(current: string): string {
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/audit.md lost its generated-block markers (${BEGIN} … ${END})`);
  return `${current.slice(0, start + BEGIN.length)}\n\n${renderFindingDocs()}\n\n${current.slice(end)}`;
}
