import { COMMANDS, optionsFor, type OptionSpec } from './options.js';

/** docs/cli.md, rendered from the options table. */
export function renderCliDoc(): string {
  const parts = [
    '# Command-line reference',
    '',
    '<!-- Generated from src/cli/options.ts by `npm run docs:cli`; test/cli-doc.test.ts fails when it drifts. -->',
    '',
    'Exit codes: `0` ok, `1` findings (a failed verification, an identity that changed or disappeared, a check that would change the file), `2` usage or input error, `3` network or index failure (files untouched). `refresh` alone adds `4`: identities updated and nothing needs a human.',
    '',
  ];
  for (const cmd of COMMANDS) {
    parts.push(`## \`pylock-attest ${cmd.usage}\``, '', cmd.summary + '.', '', cmd.details, '', '```sh', cmd.example, '```', '');
    parts.push('| option | type | default | description |', '|---|---|---|---|');
    for (const opt of optionsFor(cmd.name)) parts.push(optionRow(opt));
    parts.push('');
  }
  return parts.join('\n');
}

function optionRow(opt: OptionSpec): string {
  const long = opt.type === 'boolean' && opt.default === true ? `\`--${opt.name}\` / \`--no-${opt.name}\`` : `\`--${opt.name}\``;
  const flag = opt.alias !== undefined ? `\`-${opt.alias}\`, ${long}` : long;
  const type = opt.choices ? opt.choices.map((c) => `\`${c}\``).join(' \\| ') : opt.type;
  const def = opt.defaultText !== undefined ? `\`${opt.defaultText}\`` : opt.default !== undefined ? `\`${String(opt.default)}\`` : '';
  return `| ${flag} | ${type} | ${def} | ${opt.describe.replace(/\|/g, '\\|')} |`;
}
