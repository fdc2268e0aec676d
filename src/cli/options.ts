/**
 * The one table of CLI commands and options. The parser (cli/parse.ts), the
 * help screens (cli/help.ts), each command's argument type (`ArgsOf`) and
 * docs/cli.md (cli/cli-doc.ts; a test fails when it drifts) all come from it.
 *
 * Pure data plus types: `--help` reads it without loading anything else.
 */
export const COMMAND_NAMES = ['enrich', 'refresh', 'check', 'diff', 'lock', 'explain'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface PositionalSpec {
  name: string;
  /** One or more values (`<lockfile...>`); else exactly one. */
  variadic: boolean;
  /** What the error says when it is missing (the hint is the command's first example). */
  missing: string;
}

export interface ExampleSpec {
  /** What it does, as a comment above the command. */
  says: string;
  command: string;
}

export interface CommandSpec {
  name: CommandName;
  positionals: readonly PositionalSpec[];
  summary: string;
  /** Longer text for the docs and the help screen. */
  details: string;
  examples: readonly ExampleSpec[];
  exitCodes: readonly (readonly [code: number, meaning: string])[];
}

/** Help screens and docs/cli.md list options in these groups, in this order. */
export const OPTION_GROUPS = ['input', 'index and network', 'verification', 'cache', 'output'] as const;
export type OptionGroup = (typeof OPTION_GROUPS)[number];

export interface OptionSpec {
  name: string;
  type: 'string' | 'number' | 'boolean';
  group: OptionGroup;
  /** One text, or one per command where the option means something different. */
  describe: string | Partial<Record<CommandName, string>>;
  commands: readonly CommandName[];
  default?: string | number | boolean;
  choices?: readonly string[];
  /** Shown instead of the default value in docs/help. */
  defaultText?: string;
  /** A one-letter short form, e.g. `o` for `-o`. */
  alias?: string;
  /** May be given several times (values collected in order); any other option only once. */
  repeatable?: boolean;
  /** The value's placeholder in help (`--index-url URL`). */
  placeholder?: string;
}

const ERRORS_EXIT: readonly [number, string] = [2, 'usage or input error (the message names the file, line and package)'];
const NETWORK_EXIT: readonly [number, string] = [3, 'the index could not answer; every file is left byte-identical'];

export const COMMANDS = [
  {
    name: 'enrich',
    positionals: [{ name: 'lockfile', variadic: true, missing: 'name at least one lockfile' }],
    summary: 'Fetch, verify and record attestation identities in pylock.toml files, in place',
    details:
      'For every locked sdist and wheel, fetch its PEP 740 provenance from the index, verify each attestation (Sigstore, publisher identity, file digest and name), and write the verified publisher identities as [[packages.attestation-identities]] tables. Every other byte of the file is preserved. A package is verified only when every one of its locked files is: a file without provenance beside attested ones is a partial-attestation error (exit 1) and nothing is recorded for that package, unless a policy allowance accepts the file (pylock-attest explain partial-attestation). A recorded identity is never silently dropped or changed: that is a finding (exit 1) unless --allow-identity-change.',
    examples: [
      { says: 'record who published every locked file', command: 'pylock-attest enrich pylock.toml' },
      { says: 'after a lock tool regenerated the file', command: 'uv export --format pylock.toml -o pylock.toml && pylock-attest enrich pylock.toml' },
      { says: 'see what would change, per file, without writing', command: 'pylock-attest enrich pylock.toml --dry-run --verbose' },
      { says: 'no network at all: answer from the cache of an earlier run', command: 'pylock-attest enrich pylock.toml --offline' },
    ],
    exitCodes: [
      [0, 'every package is as it should be (identities written where new)'],
      [1, 'findings: an identity changed or disappeared, an attestation failed, a file without provenance beside attested ones'],
      ERRORS_EXIT,
      NETWORK_EXIT,
    ],
  },
  {
    name: 'refresh',
    positionals: [{ name: 'lockfile', variadic: true, missing: 'name at least one lockfile' }],
    summary: 'Re-check every locked file for a scheduled job: record what is newly proven and write a markdown summary for a pull request',
    details:
      "enrich for a scheduled CI job (docs/ci.md). Every locked file is re-fetched and re-verified; newly proven identities are written; a recorded identity is never dropped or changed (unless --allow-identity-change). --summary FILE writes a markdown report for a PR body or job summary. The exit code tells the job what to do; 4 is refresh's own code: every other command keeps to 0–3.",
    examples: [
      { says: 'a weekly job: write what is newly proven and a PR body', command: 'pylock-attest refresh pylock.toml --summary summary.md' },
      { says: 'in GitHub Actions, as the job summary', command: 'pylock-attest refresh pylock.toml --summary "$GITHUB_STEP_SUMMARY"' },
    ],
    exitCodes: [
      [0, 'nothing changed'],
      [4, 'identities updated and nothing needs a human: open a pull request'],
      [1, 'findings that need a human (safe updates to other packages may have been written too)'],
      ERRORS_EXIT,
      NETWORK_EXIT,
    ],
  },
  {
    name: 'check',
    positionals: [{ name: 'lockfile', variadic: true, missing: 'name at least one lockfile' }],
    summary: 'Audit lockfiles against the index and a baseline, for pre-commit and CI; never writes',
    details:
      "Online, every locked file's provenance is fetched and verified again, and every place where the lockfile and the index disagree is a finding: a recorded identity the index no longer proves (index-disagrees), identities the index proves but the lockfile does not record (not-enriched), attestations that fail (verification-failed), files without provenance beside attested ones (partial-attestation). With --base, the lockfile is also compared with its baseline (see diff). --offline makes no network request at all and runs the diff and the policy only (pre-commit.ci has no network). Policy: [tool.pylock-attest] in ./pyproject.toml, or --policy FILE (docs/audit.md). Every finding names its next step; pylock-attest explain <finding> says more.",
    examples: [
      {
        says: 'pre-commit, no network: did this commit drop or change a recorded identity?',
        command: 'pylock-attest check --offline --base git:HEAD pylock.toml',
      },
      {
        says: 'CI on a pull request: compare with main and with what the index proves today',
        command: 'pylock-attest check pylock.toml --base git:origin/main --format github',
      },
    ],
    exitCodes: [
      [0, 'nothing failing after policy'],
      [1, 'an error-severity finding remains after policy'],
      ERRORS_EXIT,
      [3, 'the index could not answer (online only)'],
    ],
  },
  {
    name: 'diff',
    positionals: [
      { name: 'old', variadic: false, missing: 'name the old lockfile and the new one' },
      { name: 'new', variadic: false, missing: 'name the new lockfile too' },
    ],
    summary: 'Compare the attestation identities of two lockfiles, offline',
    details:
      'What happened to the identities the old lockfile records: removed (identity-removed), replaced (publisher-changed: repository, workflow, environment or kind, i.e. forge), added, and new packages without any. A version bump within the same identity is no finding, nor is "" against an absent environment. <old> may be git:<rev>:<path> (read with git show; the path is relative to the current directory), or git:<rev> for the same path as <new>.',
    examples: [
      { says: 'what did the working copy change since the last commit?', command: 'pylock-attest diff git:HEAD pylock.toml' },
      { says: 'two files', command: 'pylock-attest diff old/pylock.toml pylock.toml --format markdown' },
    ],
    exitCodes: [[0, 'nothing failing after policy'], [1, 'an error-severity finding remains after policy'], ERRORS_EXIT],
  },
  {
    name: 'lock',
    positionals: [{ name: 'requirements', variadic: true, missing: 'name at least one requirements file' }],
    summary: 'Write a pylock.toml from resolved requirements (pip-compile, uv pip compile), every file recorded, identities verified',
    details:
      'Not a resolver: every requirement must be an exact pin (name[extras]==version, markers allowed). For each pin, the first index that lists the project (the primary index, then each --extra-index-url of the requirements files) supplies exactly the files the --hash values name, or, without hashes, every sdist and wheel of that version (with a warning). -r and -c includes are read relative to the file that names them. Then identities are fetched, verified and written exactly as enrich does. On an existing output, lock is enrich: when the requirements and the index still give the same packages the file keeps its bytes; otherwise recorded identities carry over and a changed publisher is a finding (exit 1). A yanked file is recorded with a warning: the pin is exact, and pip installs an exactly pinned yanked file.',
    examples: [
      { says: 'from pip-compile --generate-hashes or uv pip compile output', command: 'pylock-attest lock requirements.txt -o pylock.toml' },
      {
        says: "a second lockfile, with the project's Python range",
        command: 'pylock-attest lock requirements-dev.txt -o pylock.dev.toml --requires-python ">=3.10"',
      },
    ],
    exitCodes: [
      [0, 'written, nothing failing'],
      [1, 'findings (a changed publisher, a failed attestation); the lockfile is still written where it is safe'],
      [2, 'usage or input error, with file:line; nothing is written'],
      [3, 'the index could not answer; nothing is written'],
    ],
  },
  {
    name: 'explain',
    positionals: [{ name: 'name', variadic: false, missing: 'name a finding or an error code' }],
    summary: 'What a finding or error code means, how to investigate it and how to accept it (offline)',
    details:
      'Every finding and error the other commands print names itself; this prints its documentation, the same text as docs/audit.md and docs/cli.md. Names are case-insensitive; error codes may be written INDEX_NETWORK or index-network.',
    examples: [
      { says: 'a finding', command: 'pylock-attest explain publisher-changed' },
      { says: 'an error code', command: 'pylock-attest explain INDEX_NETWORK' },
    ],
    exitCodes: [
      [0, 'explained'],
      [2, 'not a known finding or error code (the known ones are listed)'],
    ],
  },
] as const satisfies readonly CommandSpec[];

const NETWORKED = ['enrich', 'refresh', 'check', 'lock'] as const;
const WRITERS = ['enrich', 'refresh', 'lock'] as const;
const REPORTERS = ['enrich', 'refresh', 'check', 'diff', 'lock'] as const;

export const OPTIONS = [
  // input
  {
    name: 'output',
    alias: 'o',
    type: 'string',
    group: 'input',
    placeholder: 'FILE',
    commands: ['lock'],
    default: 'pylock.toml',
    describe:
      'The lockfile to write (PEP 751 names: pylock.toml or pylock.<name>.toml). An existing one is updated as enrich would, never replaced by a failed run',
  },
  {
    name: 'requires-python',
    type: 'string',
    group: 'input',
    placeholder: 'SPEC',
    commands: ['lock'],
    describe:
      'The lock\'s top-level requires-python (a PEP 440 specifier set, e.g. ">=3.9"); a requirements file does not say, so without this option the key is left out. Each package records its own requires-python from the index',
  },
  {
    name: 'base',
    type: 'string',
    group: 'input',
    placeholder: 'REV',
    commands: ['check'],
    describe:
      'Also compare with this baseline: git:<rev> (each lockfile as committed at <rev>; a lockfile not there yet counts as all new), git:<rev>:<path>, or a file (one lockfile only)',
  },
  {
    name: 'policy',
    type: 'string',
    group: 'input',
    placeholder: 'FILE',
    commands: REPORTERS,
    defaultText: '[tool.pylock-attest] in ./pyproject.toml',
    describe:
      "Policy file: [tool.pylock-attest] of a pyproject.toml, or the same keys at the top level of any TOML file (docs/audit.md). enrich, refresh and lock read it too: an allowance can accept a partially attested package (then its attested files' identities are written), and findings are judged as check judges them",
  },
  // index and network
  {
    name: 'index-url',
    type: 'string',
    group: 'index and network',
    placeholder: 'URL',
    commands: NETWORKED,
    describe: {
      lock: "The primary index, replacing the requirements files' --index-url (default: theirs, else https://pypi.org/simple); their --extra-index-url entries are still searched after it",
      enrich: "Index to query for every package, overriding each package's `index` key (default: the package's `index`, else https://pypi.org/simple)",
      refresh: "Index to query for every package, overriding each package's `index` key (default: the package's `index`, else https://pypi.org/simple)",
      check: "Index to query for every package, overriding each package's `index` key (default: the package's `index`, else https://pypi.org/simple)",
    },
  },
  {
    name: 'allow-index-host',
    type: 'string',
    group: 'index and network',
    placeholder: 'HOST',
    repeatable: true,
    commands: NETWORKED,
    describe: {
      lock: "Also query this host where the requirements files name it in --index-url or --extra-index-url (repeat the option, or separate hosts with commas). Without it they may only name pypi.org and test.pypi.org, as a lockfile's `index` keys: a requirements file cannot send requests to a host you did not choose. --index-url on the command line is always allowed",
      enrich:
        "Also query this host where a package's `index` key names it (repeat the option, or separate hosts with commas). Without it, `index` keys may only name pypi.org and test.pypi.org: a lockfile cannot send requests to a host you did not choose. --index-url overrides every `index` key instead",
      refresh:
        "Also query this host where a package's `index` key names it (repeat the option, or separate hosts with commas). Without it, `index` keys may only name pypi.org and test.pypi.org: a lockfile cannot send requests to a host you did not choose. --index-url overrides every `index` key instead",
      check:
        "Also query this host where a package's `index` key names it (repeat the option, or separate hosts with commas). Without it, `index` keys may only name pypi.org and test.pypi.org: a lockfile cannot send requests to a host you did not choose. --index-url overrides every `index` key instead",
    },
  },
  {
    name: 'offline',
    type: 'boolean',
    group: 'index and network',
    commands: ['enrich', 'check'],
    default: false,
    describe: {
      enrich:
        'No network at all: answers come from the cache of earlier runs only (however old), the trusted root from its cached copy. A file the cache cannot answer is reported unavailable (exit 3) and nothing is written',
      check:
        'No network request at all (no DNS, no TUF): runs the diff (with --base) and the policy only, for pre-commit and pre-commit.ci. Without it, check asks the index about every locked file',
    },
  },
  {
    name: 'provenance-source',
    type: 'string',
    group: 'index and network',
    commands: NETWORKED,
    default: 'auto',
    choices: ['auto', 'integrity', 'simple'],
    describe:
      "Where provenance is looked up: the Integrity API, the JSON Simple API's `provenance` links, or auto (Integrity API on pypi.org, Simple API elsewhere)",
  },
  {
    name: 'concurrency',
    type: 'number',
    group: 'index and network',
    placeholder: 'N',
    commands: NETWORKED,
    default: 16,
    describe: 'Requests in flight at once, across all lockfiles of the run',
  },
  {
    name: 'timeout',
    type: 'number',
    group: 'index and network',
    placeholder: 'SECONDS',
    commands: NETWORKED,
    default: 30,
    describe: 'Per-request deadline, in seconds',
  },
  {
    name: 'deadline',
    type: 'number',
    group: 'index and network',
    placeholder: 'SECONDS',
    commands: NETWORKED,
    describe: 'Give up the whole run after this many seconds (exit 3, files untouched)',
  },
  // verification
  {
    name: 'verify',
    type: 'boolean',
    group: 'verification',
    commands: WRITERS,
    default: true,
    describe:
      "Verify every attestation (the default). --no-verify skips verification: it records the index's unverified publisher claims, marked as such, and says so loudly",
  },
  {
    name: 'trusted-root',
    type: 'string',
    group: 'verification',
    placeholder: 'FILE',
    commands: NETWORKED,
    describe: 'Sigstore trusted_root.json to verify against, instead of the TUF-distributed production root',
  },
  {
    name: 'allow-identity-change',
    type: 'boolean',
    group: 'verification',
    commands: WRITERS,
    default: false,
    describe: 'Write identities even where they differ from the recorded ones, or remove recorded ones the index no longer proves (still reported)',
  },
  // cache
  {
    name: 'cache-dir',
    type: 'string',
    group: 'cache',
    placeholder: 'DIR',
    commands: NETWORKED,
    defaultText: '$XDG_CACHE_HOME/pylock-attest',
    describe:
      'Where the trusted root, index answers and verified results are cached (also $PYLOCK_ATTEST_CACHE_DIR). Every record is authenticated with a key kept outside it, in $PYLOCK_ATTEST_STATE_DIR (default $XDG_STATE_HOME/pylock-attest); a directory other users can write is not used',
  },
  {
    name: 'cache',
    type: 'boolean',
    group: 'cache',
    commands: NETWORKED,
    default: true,
    describe:
      'Keep index answers (revalidated per Cache-Control and ETag) and verified results in --cache-dir, so a warm run sends no requests and verifies nothing twice (check revalidates every answer). --no-cache reads and writes nothing there, the trusted root included',
  },
  // output
  {
    name: 'format',
    type: 'string',
    group: 'output',
    commands: WRITERS,
    default: 'text',
    choices: ['text', 'json'],
    describe:
      'Report format on stdout: text, or json (docs/schema/enrich-v2.schema.json; errors stay data in it). Errors and warnings of a text report go to stderr',
  },
  {
    name: 'format',
    type: 'string',
    group: 'output',
    commands: ['check', 'diff'],
    default: 'text',
    choices: ['text', 'json', 'markdown', 'github', 'sarif'],
    describe:
      'Report format on stdout: text (one line per finding, with its next step), json (docs/schema/findings-v1.schema.json), markdown (a table for a PR body or job summary), github (workflow commands that annotate the PR diff), sarif (2.1.0, for code scanning)',
  },
  { name: 'dry-run', type: 'boolean', group: 'output', commands: WRITERS, default: false, describe: 'Do everything but write; report what would change' },
  {
    name: 'summary',
    type: 'string',
    group: 'output',
    placeholder: 'FILE',
    commands: ['refresh'],
    describe:
      'Also write a markdown summary (outcome, findings that need a human, identities written, every package) to this file: a pull-request body or $GITHUB_STEP_SUMMARY',
  },
  {
    name: 'quiet',
    alias: 'q',
    type: 'boolean',
    group: 'output',
    commands: REPORTERS,
    default: false,
    describe: 'Print nothing when all is well: only findings, warnings and errors (text reports)',
  },
  {
    name: 'verbose',
    alias: 'v',
    type: 'boolean',
    group: 'output',
    commands: REPORTERS,
    default: false,
    describe:
      'Every package and every file: the URL asked, the answer, whether it came from the cache, verification time; and each request as it is sent (on stderr)',
  },
  {
    name: 'color',
    type: 'string',
    group: 'output',
    commands: REPORTERS,
    default: 'auto',
    choices: ['auto', 'always', 'never'],
    describe:
      'Colour: auto (on a terminal, unless NO_COLOR is set; FORCE_COLOR or CLICOLOR_FORCE turn it on), always or never. The option wins over the environment',
  },
] as const satisfies readonly OptionSpec[];

/** Shown in the top-level usage only (`--help` works everywhere). */
export const GLOBAL_FLAGS: readonly (readonly [flag: string, meaning: string])[] = [
  ['-h, --help', 'Show help for a command: pylock-attest <command> --help, or pylock-attest help <command>'],
  ['--version', 'Print the version'],
];

export const DESCRIPTION = 'Verified PEP 740 attestation identities for PEP 751 pylock.toml files: who published what your lockfile installs.';
export const DOCS_POINTER =
  'Docs: README.md and docs/ in the repository; every command: pylock-attest <command> --help; every finding and error: pylock-attest explain <name>.';

/** The exit codes every command shares (docs/cli.md, top-level usage). */
export const EXIT_CODES: readonly (readonly [number, string])[] = [
  [0, 'ok'],
  [1, 'findings: a failed verification, an identity that changed or disappeared, a file without provenance beside attested ones'],
  [2, 'usage or input error (the message names the file, line, package and what to do)'],
  [3, 'network or index failure; the lockfile is left byte-identical'],
  [4, 'refresh only: identities were updated and nothing needs a human (open a PR)'],
];

export function commandSpec(name: CommandName): CommandSpec {
  return COMMANDS.find((c) => c.name === name)!;
}

export function optionsFor(command: CommandName): OptionSpec[] {
  return (OPTIONS as readonly OptionSpec[]).filter((o) => o.commands.includes(command));
}

/** `enrich <lockfile...>` */
export function usageOf(spec: CommandSpec): string {
  return [spec.name, ...spec.positionals.map((p) => `<${p.name}${p.variadic ? '...' : ''}>`)].join(' ');
}

export function describeFor(opt: OptionSpec, command: CommandName): string {
  return typeof opt.describe === 'string' ? opt.describe : (opt.describe[command] ?? '');
}

/** `--index-url` → `indexUrl`: the key an option has in a command's arguments. */
export function argKey(name: string): string {
  return name.replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());
}

// ---------------------------------------------------------------------------
// Each command's arguments, as a type derived from the tables above.
// ---------------------------------------------------------------------------

type Camel<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;
type AnyOption = (typeof OPTIONS)[number];
type OptionOf<C extends CommandName> = AnyOption extends infer O
  ? O extends { readonly commands: readonly (infer K)[] }
    ? C extends K
      ? O
      : never
    : never
  : never;
type ValueOf<O> = O extends { type: 'boolean' }
  ? boolean
  : O extends { type: 'number' }
    ? number
    : O extends { repeatable: true }
      ? string[]
      : O extends { choices: readonly (infer V)[] }
        ? V
        : string;
/** Options with a default (and booleans, false unless given) always have a value. */
type Given<O> = O extends { default: unknown } ? never : O extends { repeatable: true } ? never : undefined;
type OptionArgs<C extends CommandName> = { [O in OptionOf<C> as Camel<O['name']>]: ValueOf<O> | Given<O> };
type PositionalArgs<C extends CommandName> = {
  [P in Extract<(typeof COMMANDS)[number], { name: C }>['positionals'][number] as P['name']]: P extends { variadic: true } ? string[] : string;
};

/** The parsed, checked arguments of command `C`: every option of the table by its camelCase key, and the positionals by name. */
export type ArgsOf<C extends CommandName> = OptionArgs<C> & PositionalArgs<C>;
