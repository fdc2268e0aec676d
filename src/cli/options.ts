/**
 * The one table of CLI commands and options. yargs is configured from it and
 * docs/cli.md is generated from it (a test fails when they drift).
 */
export type CommandName = 'enrich' | 'refresh' | 'check' | 'diff' | 'lock';

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
  /** A one-letter short form, e.g. `o` for `-o`. */
  alias?: string;
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
  {
    name: 'refresh',
    usage: 'refresh <lockfile...>',
    summary: 'Re-check every locked file for a scheduled job: record what is newly proven and write a markdown summary for a pull request',
    details:
      'enrich for a scheduled CI job (docs/ci.md). Every locked file is re-fetched and re-verified; newly proven identities are written; a recorded identity is never dropped or changed (unless --allow-identity-change). --summary FILE writes a markdown report for a PR body or job summary. Exit codes tell the job what to do: 0 nothing changed; 4 identities updated and nothing needs a human (open a PR); 1 findings that need a human (identities that disappeared or changed, attestations that fail; safe updates to other packages may have been written too); 2 usage or input error; 3 network or index failure (files untouched). 4 is refresh\'s own code: every other command keeps to 0–3.',
    example: 'pylock-attest refresh pylock.toml --summary summary.md',
  },
  {
    name: 'check',
    usage: 'check <lockfile...>',
    summary: 'Audit lockfiles against the index and a baseline, for pre-commit and CI; never writes',
    details:
      'Online, every locked file\'s provenance is fetched and verified again, and every place where the lockfile and the index disagree is a finding: a recorded identity the index no longer proves (index-disagrees), identities the index proves but the lockfile does not record (not-enriched), attestations that fail (verification-failed). With --base, the lockfile is also compared with its baseline (see diff). --offline makes no network request at all and runs the diff and the policy only (pre-commit.ci has no network). Policy: [tool.pylock-attest] in ./pyproject.toml, or --policy FILE (docs/audit.md). Exit 1 when an error-severity finding remains after policy, 3 when the index could not answer.',
    example: 'pylock-attest check pylock.toml --base git:origin/main --format github',
  },
  {
    name: 'diff',
    usage: 'diff <old> <new>',
    summary: 'Compare the attestation identities of two lockfiles, offline',
    details:
      'What happened to the identities the old lockfile records: removed (identity-removed), replaced (publisher-changed: repository, workflow, environment or kind, i.e. forge), added, and new packages without any. A version bump within the same identity is no finding, nor is "" against an absent environment. <old> may be git:<rev>:<path> (read with git show; the path is relative to the current directory), or git:<rev> for the same path as <new>. Exit 1 when an error-severity finding remains after policy.',
    example: 'pylock-attest diff git:HEAD:pylock.toml pylock.toml',
  },
  {
    name: 'lock',
    usage: 'lock <requirements...>',
    summary: 'Write a pylock.toml from resolved requirements (pip-compile, uv pip compile), every file recorded, identities verified',
    details:
      'Not a resolver: every requirement must be an exact pin (name[extras]==version, markers allowed). For each pin, the first index that lists the project (the primary index, then each --extra-index-url of the requirements files) supplies exactly the files the --hash values name, or, without hashes, every sdist and wheel of that version (with a warning). -r and -c includes are read relative to the file that names them. Then identities are fetched, verified and written exactly as enrich does. On an existing output, lock is enrich: when the requirements and the index still give the same packages the file keeps its bytes; otherwise recorded identities carry over and a changed publisher is a finding (exit 1). Any input error (exit 2, with file:line) or index failure (exit 3) writes nothing. A yanked file is recorded with a warning: the pin is exact, and pip installs an exactly pinned yanked file.',
    example: 'pylock-attest lock requirements.txt -o pylock.toml',
  },
];

const NETWORKED: readonly CommandName[] = ['enrich', 'refresh', 'check', 'lock'];

export const OPTIONS: readonly OptionSpec[] = [
  { name: 'output', alias: 'o', type: 'string', commands: ['lock'], default: 'pylock.toml', describe: 'The lockfile to write (PEP 751 names: pylock.toml or pylock.<name>.toml). An existing one is updated as enrich would, never replaced by a failed run' },
  { name: 'requires-python', type: 'string', commands: ['lock'], describe: 'The lock\'s top-level requires-python (a PEP 440 specifier set, e.g. ">=3.9"); a requirements file does not say, so without this option the key is left out. Each package records its own requires-python from the index' },
  { name: 'index-url', type: 'string', commands: ['lock'], describe: 'The primary index, replacing the requirements files\' --index-url (default: theirs, else https://pypi.org/simple); their --extra-index-url entries are still searched after it' },
  { name: 'index-url', type: 'string', commands: NETWORKED.filter((c) => c !== 'lock'), describe: "Index to query for every package, overriding each package's `index` key (default: the package's `index`, else https://pypi.org/simple)" },
  { name: 'allow-index-host', type: 'string', commands: ['lock'], describe: 'Also query this host where the requirements files name it in --index-url or --extra-index-url (repeat the option, or separate hosts with commas). Without it they may only name pypi.org and test.pypi.org, as a lockfile\'s `index` keys: a requirements file cannot send requests to a host you did not choose. --index-url on the command line is always allowed' },
  { name: 'allow-index-host', type: 'string', commands: NETWORKED.filter((c) => c !== 'lock'), describe: "Also query this host where a package's `index` key names it (repeat the option, or separate hosts with commas). Without it, `index` keys may only name pypi.org and test.pypi.org: a lockfile cannot send requests to a host you did not choose. --index-url overrides every `index` key instead" },
  { name: 'concurrency', type: 'number', commands: NETWORKED, default: 16, describe: 'Requests in flight at once, across all lockfiles of the run' },
  { name: 'verify', type: 'boolean', commands: ['enrich', 'refresh', 'lock'], default: true, describe: 'Verify every attestation. --no-verify records the index\'s unverified publisher claims and says so loudly' },
  { name: 'trusted-root', type: 'string', commands: NETWORKED, describe: 'Sigstore trusted_root.json to verify against, instead of the TUF-distributed production root' },
  { name: 'provenance-source', type: 'string', commands: NETWORKED, default: 'auto', choices: ['auto', 'integrity', 'simple'], describe: 'Where provenance is looked up: the Integrity API, the JSON Simple API\'s `provenance` links, or auto (Integrity API on pypi.org, Simple API elsewhere)' },
  { name: 'timeout', type: 'number', commands: NETWORKED, default: 30, describe: 'Per-request deadline, in seconds' },
  { name: 'deadline', type: 'number', commands: NETWORKED, describe: 'Give up the whole run after this many seconds (exit 3, files untouched)' },
  { name: 'cache-dir', type: 'string', commands: NETWORKED, defaultText: '$XDG_CACHE_HOME/pylock-attest', describe: 'Where the trusted root, index answers and verified results are cached (also $PYLOCK_ATTEST_CACHE_DIR). Every record is authenticated with a key kept outside it, in $PYLOCK_ATTEST_STATE_DIR (default $XDG_STATE_HOME/pylock-attest); a directory other users can write is not used' },
  { name: 'cache', type: 'boolean', commands: NETWORKED, default: true, describe: 'Keep index answers (revalidated per Cache-Control and ETag) and verified results in --cache-dir, so a warm run sends no requests and verifies nothing twice (check revalidates every answer). --no-cache reads and writes nothing there, the trusted root included' },
  { name: 'offline', type: 'boolean', commands: ['enrich', 'check'], default: false, describe: 'check: no network request at all; runs the diff (with --base) and the policy only. enrich: no network at all. Answers come from the cache only (however old), the trusted root from its cached copy; a file the cache cannot answer is reported unavailable (exit 3) and nothing is written' },
  { name: 'allow-identity-change', type: 'boolean', commands: ['enrich', 'refresh', 'lock'], default: false, describe: 'Write identities even where they differ from the recorded ones, or remove recorded ones the index no longer proves (still reported)' },
  { name: 'dry-run', type: 'boolean', commands: ['enrich', 'refresh', 'lock'], default: false, describe: 'Do everything but write; report what would change' },
  { name: 'format', type: 'string', commands: ['enrich', 'refresh', 'lock'], default: 'text', choices: ['text', 'json'], describe: 'Report format on stdout (logs go to stderr)' },
  { name: 'base', type: 'string', commands: ['check'], describe: 'Also compare with this baseline: git:<rev> (each lockfile as committed at <rev>; a lockfile not there yet counts as all new), git:<rev>:<path>, or a file (one lockfile only)' },
  { name: 'policy', type: 'string', commands: ['check', 'diff'], defaultText: '[tool.pylock-attest] in ./pyproject.toml', describe: 'Policy file: [tool.pylock-attest] of a pyproject.toml, or the same keys at the top level of any TOML file (docs/audit.md)' },
  { name: 'format', type: 'string', commands: ['check', 'diff'], default: 'text', choices: ['text', 'json', 'markdown', 'github', 'sarif'], describe: 'Report format on stdout: text (grouped, colour on a terminal), json (docs/schema/findings-v1.schema.json), markdown (a table for a PR body or job summary), github (workflow commands that annotate the PR diff), sarif (2.1.0, for code scanning)' },
  { name: 'summary', type: 'string', commands: ['refresh'], describe: 'Also write a markdown summary (outcome, findings that need a human, identities written, every package) to this file: a pull-request body or $GITHUB_STEP_SUMMARY' },
];

export function optionsFor(command: CommandName): OptionSpec[] {
  return OPTIONS.filter((o) => o.commands.includes(command));
}
