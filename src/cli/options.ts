/**
 * The one table of CLI commands and options. yargs is configured from it and
 * docs/cli.md is generated from it (a test fails when they drift).
 */
export type CommandName = 'enrich';

export interface CommandSpec {
  name: CommandName;
  usage: string;
  summary: string;
  /** Longer text for the docs and --help epilogue. */
  details: string;
  example: string;
}

export interface OptionSpec {
  name: string;
  type: 'string' | 'number' | 'boolean';
  describe: string;
  commands: readonly CommandName[];
  default?: string | number | boolean;
  choices?: readonly string[];
  /** Shown instead of the default value in docs/help. */
  defaultText?: string;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'enrich',
    usage: 'enrich <lockfile...>',
    summary: 'Fetch, verify and record attestation identities in pylock.toml files, in place',
    details:
      'For every locked sdist and wheel, fetch its PEP 740 provenance from the index, verify each attestation (Sigstore, publisher identity, file digest and name), and write the verified publisher identities as [[packages.attestation-identities]] tables. Every other byte of the file is preserved. A recorded identity is never silently dropped or changed: that is a finding (exit 1) unless --allow-identity-change.',
    example: 'pylock-attest enrich pylock.toml',
  },
];

const NETWORKED: readonly CommandName[] = ['enrich'];

export const OPTIONS: readonly OptionSpec[] = [
  { name: 'index-url', type: 'string', commands: NETWORKED, describe: "Index to query for every package, overriding each package's `index` key (default: the package's `index`, else https://pypi.org/simple)" },
  { name: 'concurrency', type: 'number', commands: NETWORKED, default: 16, describe: 'Requests in flight at once, across all lockfiles of the run' },
  { name: 'verify', type: 'boolean', commands: ['enrich'], default: true, describe: 'Verify every attestation. --no-verify records the index\'s unverified publisher claims and says so loudly' },
  { name: 'trusted-root', type: 'string', commands: NETWORKED, describe: 'Sigstore trusted_root.json to verify against, instead of the TUF-distributed production root' },
  { name: 'provenance-source', type: 'string', commands: NETWORKED, default: 'auto', choices: ['auto', 'integrity', 'simple'], describe: 'Where provenance is looked up: the Integrity API, the JSON Simple API\'s `provenance` links, or auto (Integrity API on pypi.org, Simple API elsewhere)' },
  { name: 'timeout', type: 'number', commands: NETWORKED, default: 30, describe: 'Per-request deadline, in seconds' },
  { name: 'deadline', type: 'number', commands: NETWORKED, describe: 'Give up the whole run after this many seconds (exit 3, files untouched)' },
  { name: 'cache-dir', type: 'string', commands: NETWORKED, defaultText: '$XDG_CACHE_HOME/pylock-attest', describe: 'Where the trusted root is cached' },
  { name: 'allow-identity-change', type: 'boolean', commands: ['enrich'], default: false, describe: 'Write identities even where they differ from the recorded ones, or remove recorded ones the index no longer proves (still reported)' },
  { name: 'dry-run', type: 'boolean', commands: ['enrich'], default: false, describe: 'Do everything but write; report what would change' },
  { name: 'format', type: 'string', commands: ['enrich'], default: 'text', choices: ['text', 'json'], describe: 'Report format on stdout (logs go to stderr)' },
];

export function optionsFor(command: CommandName): OptionSpec[] {
  return OPTIONS.filter((o) => o.commands.includes(command));
}
