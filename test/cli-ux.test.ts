/**
 * The command line as a user meets it (issue 12), through the built CLI:
 * usage and help, mistakes and their suggestions, which stream gets what,
 * --quiet/--verbose/--color, long runs kept short, a network failure said
 * once, `explain`; and what only a terminal shows (colour, the progress bar,
 * Ctrl-C) through a real pseudo-terminal (util-linux `script`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explanationText, findExplanation, knownNames } from '../src/cli/explanations.js';
import { COMMANDS } from '../src/cli/options.js';
import { startFakeIndex, type FakeFile, type FakeIndex } from './support/fake-index.ts';
import { createMockSigstore } from './support/mint.ts';
import { HAS_SCRIPT, runCli, runCliInPty } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
const ESC = '\u001b[';
const schema = (name: string) =>
  new Ajv2020({ strict: true, allowUnionTypes: true }).compile(JSON.parse(readFileSync(new URL(`../docs/schema/${name}`, import.meta.url), 'utf8')));
const sha = (n: number) => n.toString(16).padStart(64, '0');

interface Pkg {
  name: string;
  /** Attested by acme/<name> (verified), or no provenance. */
  attested: boolean;
}

function lockText(packages: readonly Pkg[]): string {
  const blocks = packages.map(
    (p, i) =>
      `[[packages]]\nname = "${p.name}"\nversion = "1.0"\nsdist = { url = "https://files.example/${p.name}-1.0.tar.gz", hashes = { sha256 = "${sha(i + 1)}" } }\n`,
  );
  return `lock-version = "1.0"\ncreated-by = "test"\n\n${blocks.join('\n')}`;
}

describe('the command line, as a user meets it', () => {
  const ws = tempDir('pylock-attest-ux-');
  let index: FakeIndex;
  let slow: FakeIndex;
  let root: string;
  const many: Pkg[] = [{ name: 'signed', attested: true }, ...Array.from({ length: 40 }, (_, i) => ({ name: `plain-${i}`, attested: false }))];
  const small = many.slice(0, 2);
  const cache = () => join(ws.dir, `cache-${Math.random().toString(36).slice(2)}`);
  const enrichArgs = (path: string, cacheDir = cache()) => ['enrich', path, '--index-url', index.simpleUrl, '--trusted-root', root, '--cache-dir', cacheDir];

  beforeAll(async () => {
    const sigstore = await createMockSigstore();
    root = ws.file('root.json', JSON.stringify(sigstore.trustedRoot));
    const files: FakeFile[] = [];
    for (const [i, p] of many.entries()) {
      const file = { project: p.name, version: '1.0', filename: `${p.name}-1.0.tar.gz`, sha256: sha(i + 1) };
      if (!p.attested) {
        files.push({ ...file, provenance: null });
        continue;
      }
      const publisher = { kind: 'GitHub' as const, repository: `acme/${p.name}`, workflow: 'release.yml' };
      const attestation = await sigstore.mint({ ...file, publisher });
      files.push({ ...file, provenance: { version: 1, attestation_bundles: [{ publisher, attestations: [attestation] }] } });
    }
    index = await startFakeIndex({ files });
    slow = await startFakeIndex({ files, latencyMs: 150 });
  }, 60_000);
  afterAll(async () => {
    await index?.close();
    await slow?.close();
    ws.cleanup();
  });

  describe('first contact', () => {
    it('a bare `pylock-attest`, `-v` or `-V` prints the usage on stderr and exits 2 (a script that lost its arguments must not pass)', async () => {
      for (const args of [[], ['-v'], ['-V']]) {
        const r = await runCli(args);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr.startsWith(`pylock-attest ${VERSION}: Verified PEP 740 attestation identities`)).toBe(true);
        for (const part of ['USAGE', 'COMMANDS', 'EXIT CODES', 'pylock-attest explain', ...COMMANDS.map((c) => `  ${c.name} `)])
          expect(r.stderr).toContain(part);
      }
    });

    it('`help` prints the same usage on stdout (exit 0); `help enrich` is exactly `enrich --help`', async () => {
      const help = await runCli(['help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toBe((await runCli([])).stderr);
      expect((await runCli(['--help'])).stdout).toBe(help.stdout);
      const a = await runCli(['help', 'enrich']);
      const b = await runCli(['enrich', '--help']);
      expect(a.code).toBe(0);
      expect(a.stdout).toBe(b.stdout);
      expect(a.stdout.startsWith('pylock-attest enrich: ')).toBe(true);
    });

    it('--version prints `pylock-attest <version>`', async () => {
      const r = await runCli(['--version']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`pylock-attest ${VERSION}\n`);
    });
  });

  describe('help', () => {
    it('every command: usage, options in groups, examples and exit codes; --version is not listed', async () => {
      for (const cmd of COMMANDS) {
        const r = await runCli([cmd.name, '--help']);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(`USAGE\n  pylock-attest ${cmd.name} `);
        expect(r.stdout).toContain('\nEXAMPLES\n  # ');
        expect(r.stdout).toContain(`  $ ${cmd.examples[0]!.command}`);
        expect(r.stdout).toMatch(/\nEXIT CODES\n {2}0 {3}/);
        expect(r.stdout).not.toContain('--version');
      }
      const enrich = (await runCli(['enrich', '--help'])).stdout;
      const groups = ['INPUT OPTIONS', 'INDEX AND NETWORK OPTIONS', 'VERIFICATION OPTIONS', 'CACHE OPTIONS', 'OUTPUT OPTIONS'].map((g) =>
        enrich.indexOf(`\n${g}\n`),
      );
      expect(groups.every((at) => at > 0)).toBe(true);
      expect([...groups].sort((x, y) => x - y)).toEqual(groups);
    });

    it('--no-verify is described as what it does; --offline says what it means for each command', async () => {
      const enrich = (await runCli(['enrich', '--help'])).stdout;
      const check = (await runCli(['check', '--help'])).stdout;
      /** The text of one option's entry in a help screen, on one line. */
      const entry = (help: string, flag: string) =>
        new RegExp(`\n {2}${flag} ((?:.|\n)*?)\n(?: {2}-|\n)`)
          .exec(help.slice(help.indexOf(' OPTIONS\n')))?.[1]
          ?.replace(/\s+/g, ' ')
          .trim();
      expect(entry(enrich, '--verify, --no-verify')).toMatch(/^Verify every attestation \(the default\)\. --no-verify skips verification/);
      expect(entry(enrich, '--offline')).toMatch(/^No network at all: answers come from the cache/);
      expect(entry(check, '--offline')).toMatch(/^No network request at all .*runs the diff/);
    });
  });

  describe('mistakes get a message that says what to type', () => {
    it('a mistyped option or command gets the closest real one', async () => {
      const cases: Array<[string[], string]> = [
        [['enrich', 'x.toml', '--indx-url', 'https://example.org/simple'], 'unknown option --indx-url; did you mean --index-url?'],
        [['enrich', 'x.toml', '--no-verfy'], 'unknown option --no-verfy; did you mean --no-verify?'],
        [['enrich', 'x.toml', '--dryrun'], 'unknown option --dryrun; did you mean --dry-run?'],
        [['chek', 'x.toml'], "unknown command 'chek'; did you mean 'check'?"],
        [['enrich', 'x.toml', '--base', 'git:HEAD'], '--base is not an option of enrich'],
        [['enrich', 'x.toml', '--format', 'jsno'], '--format jsno: expected one of text, json; did you mean json?'],
      ];
      for (const [args, message] of cases) {
        const r = await runCli(args);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toContain(`error: ${message}`);
      }
    });

    it("a missing argument is named, and no message shows a literal \\u000a or a parser's jargon", async () => {
      const cases: Array<[string[], string]> = [
        [['enrich'], 'name at least one lockfile'],
        [['check', '--offline'], 'name at least one lockfile'],
        [['lock', '-o', 'pylock.toml'], 'name at least one requirements file'],
        [['diff', 'a.toml'], 'name the new lockfile too'],
        [['explain'], 'name a finding or an error code'],
        [['enrich', 'x.toml', '--concurrency'], '--concurrency needs a value'],
        [['enrich', 'x.toml', '--index-url', '--dry-run'], '--index-url needs a value, but the next argument is --dry-run'],
        [['diff', 'a', 'b', 'c'], 'too many arguments for diff: c'],
      ];
      for (const [args, message] of cases) {
        const r = await runCli(args);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr).toContain(`error: ${message}`);
        expect(r.stderr).toMatch(/\n {2}hint: \S/);
        expect(r.stderr).not.toMatch(/\\u000a|Not enough non-option|Unknown argument/);
      }
    });

    it('mix-ups are named: a requirements file given to enrich, a lockfile given to lock', async () => {
      const req = ws.file('requirements.txt', 'attrs==25.1.0\n');
      const lock = ws.file('pylock.toml', lockText(small));
      const enrich = await runCli(['enrich', req]);
      expect(enrich.code).toBe(2);
      expect(enrich.stderr).toContain(`${req} looks like a requirements file, and enrich reads PEP 751 lockfiles`);
      expect(enrich.stderr).toContain(`hint: to write a lockfile from it, use pylock-attest lock ${req} -o pylock.toml`);
      const locked = await runCli(['lock', lock]);
      expect(locked.code).toBe(2);
      expect(locked.stderr).toContain(`${lock} is a lockfile, and lock reads requirements files`);
      expect(locked.stderr).toContain(`hint: to record identities in an existing lockfile, use pylock-attest enrich ${lock}`);
      expect(readFileSync(lock, 'utf8')).toBe(lockText(small));
    });
  });

  describe('streams: the report on stdout, errors and warnings on stderr; JSON keeps errors as data', () => {
    it('a missing input, in text: every command says so on stderr only, with its hint', async () => {
      const missing = join(ws.dir, 'missing.pylock.toml');
      const req = join(ws.dir, 'missing-requirements.txt');
      const runs = {
        enrich: await runCli(['enrich', missing]),
        refresh: await runCli(['refresh', missing]),
        check: await runCli(['check', '--offline', missing]),
        diff: await runCli(['diff', missing, missing]),
        lock: await runCli(['lock', req, '-o', join(ws.dir, 'out.pylock.toml')]),
      };
      for (const [command, r] of Object.entries(runs)) {
        expect(r.code, command).toBe(2);
        expect(r.stderr, command).toMatch(
          command === 'lock'
            ? /^error: \S*missing\S*: cannot read the requirements file: no such file\n/m
            : /^error: \S*missing\S*: cannot read: no such file\n {2}hint: check the path and its permissions\n/m,
        );
        expect(r.stdout, command).not.toMatch(/error:|cannot read/);
      }
    });

    it('a missing input, in JSON: stdout is one document (the report, or pylock-attest/error@1), message and hint apart; stderr is empty', async () => {
      const missing = join(ws.dir, 'missing.pylock.toml');
      const enrich = await runCli(['enrich', missing, '--format', 'json']);
      expect(enrich.stderr).toBe('');
      const report = JSON.parse(enrich.stdout);
      expect(schema('enrich-v2.schema.json')(report)).toBe(true);
      expect(report).toMatchObject({
        schema: 'pylock-attest/enrich@2',
        verification: true,
        exitCode: 2,
        lockfiles: [{ error: { code: 'LOCK_READ', message: `${missing}: cannot read: no such file`, hint: 'check the path and its permissions' } }],
      });
      const diff = await runCli(['diff', missing, missing, '--format', 'json']);
      expect(diff.code).toBe(2);
      expect(diff.stderr).toBe('');
      const error = JSON.parse(diff.stdout);
      expect(schema('error-v1.schema.json')(error)).toBe(true);
      expect(error).toEqual({
        schema: 'pylock-attest/error@1',
        command: 'diff',
        error: { code: 'LOCK_READ', message: `${missing}: cannot read: no such file`, hint: 'check the path and its permissions' },
        exitCode: 2,
      });
      const check = await runCli(['check', '--offline', missing, '--format', 'json']);
      expect(check.stderr).toBe('');
      expect(JSON.parse(check.stdout)).toMatchObject({
        exitCode: 2,
        lockfiles: [{ error: { code: 'LOCK_READ', hint: 'check the path and its permissions' } }],
      });
    });

    it('a real enrich and its refresh and lock siblings: reports valid against enrich-v2, and the text report has nothing on stderr', async () => {
      const path = ws.file('streams.pylock.toml', lockText(small));
      const text = await runCli(enrichArgs(path));
      expect(text.code, text.stdout + text.stderr).toBe(0);
      expect(text.stderr).toBe('');
      const again = await runCli([...enrichArgs(path), '--format', 'json']);
      expect(schema('enrich-v2.schema.json')(JSON.parse(again.stdout))).toBe(true);
      const refresh = await runCli([
        'refresh',
        path,
        '--index-url',
        index.simpleUrl,
        '--trusted-root',
        root,
        '--cache-dir',
        cache(),
        '--format',
        'json',
        '--no-verify',
      ]);
      const refreshed = JSON.parse(refresh.stdout);
      expect(schema('enrich-v2.schema.json')(refreshed)).toBe(true);
      expect(refreshed).toMatchObject({ schema: 'pylock-attest/refresh@2', verification: false });
      expect(refresh.stderr).toContain('warning: --no-verify');
    });
  });

  describe('how much to say', () => {
    it('a long run stays short: unremarkable packages are one count, with units on every number; --verbose lists them all', async () => {
      const path = ws.file('many.pylock.toml', lockText(many));
      const r = await runCli(enrichArgs(path));
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines.length).toBeLessThanOrEqual(5);
      expect(r.stdout).toMatch(/ {2}signed 1\.0\s+verified\s+GitHub acme\/signed \(release\.yml\) \[added\]/);
      expect(r.stdout).toContain('… 40 more packages with nothing to report (40 without provenance); --verbose lists every package');
      expect(r.stdout).toContain('41 packages, 41 files: 1 package verified, 40 without provenance; written; ');
      const verbose = await runCli([...enrichArgs(path), '--verbose', '--dry-run']);
      expect(verbose.stdout).toMatch(/plain-39 1\.0\s+no provenance/);
      expect(verbose.stdout.split('\n').length).toBeGreaterThan(80);
    });

    it('--verbose: per file the URL asked, the answer, network or cache, and the time; each request on stderr as it is sent', async () => {
      const path = ws.file('verbose.pylock.toml', lockText(small));
      const cacheDir = cache();
      const cold = await runCli([...enrichArgs(path, cacheDir), '--verbose']);
      expect(cold.code).toBe(0);
      expect(cold.stdout).toMatch(/ {6}signed-1\.0\.tar\.gz: verified; asked http:\/\/127\.0\.0\.1:\d+\/\S+; lookup \d+ ms, verification \d+ ms/);
      expect(cold.stdout).toMatch(/ {6}plain-0-1\.0\.tar\.gz: no-provenance: .*; asked /);
      expect(cold.stderr).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/\S+$/m);
      const warm = await runCli([...enrichArgs(path, cacheDir), '--verbose']);
      expect(warm.stdout).toMatch(/signed-1\.0\.tar\.gz: verified; outcome kept from an earlier run/);
      expect(warm.stderr).toBe('');
      const check = await runCli(['check', path, '--index-url', index.simpleUrl, '--trusted-root', root, '--cache-dir', cache(), '--verbose']);
      expect(check.code).toBe(0);
      expect(check.stdout).toMatch(
        /^ {2}signed 1\.0 signed-1\.0\.tar\.gz: verified; asked http:\/\/127\.0\.0\.1:\d+\/\S+; lookup \d+ ms, verification \d+ ms$/m,
      );
      expect(check.stderr).toMatch(/^GET /m);
    });

    it('--quiet: nothing on success; only findings when there are some', async () => {
      const path = ws.file('quiet.pylock.toml', lockText(small));
      const ok = await runCli([...enrichArgs(path), '--quiet']);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toBe('');
      expect(ok.stderr).toBe('');
      const moved = readFileSync(path, 'utf8').replace('repository = "acme/signed"', 'repository = "mallory/signed"');
      writeFileSync(path, moved);
      const finding = await runCli([...enrichArgs(path), '-q']);
      expect(finding.code).toBe(1);
      expect(finding.stdout.trim().split('\n')).toEqual([
        path,
        expect.stringMatching(/^ {2}error publisher-changed\/repository: signed \(line \d+\): /),
        '  what it means and what to do: pylock-attest explain publisher-changed',
      ]);
      const check = await runCli(['check', '--offline', path, '-q']);
      expect(check.code).toBe(0);
      expect(check.stdout).toBe('');
    });

    it('a network failure is said once, with a hint that fits it; parentheses stay balanced', async () => {
      const path = ws.file('offline-net.pylock.toml', lockText(many.slice(0, 6)));
      const proxy = 'http://127.0.0.1:9';
      const r = await runCli(['enrich', path, '--index-url', 'https://pypi.org/simple', '--no-cache', '--timeout', '2'], { env: { HTTPS_PROXY: proxy } });
      expect(r.code).toBe(3);
      const all = r.stdout + r.stderr;
      expect(all.match(/ECONNREFUSED/g)).toHaveLength(1);
      expect(r.stderr).toMatch(
        /^error: \S+: the index could not answer for 6 of 6 files \(first: .*ECONNREFUSED.*\); nothing was written\n {2}hint: check the network and any proxy/m,
      );
      expect(r.stderr).toContain('a proxy is configured in HTTPS_PROXY or HTTP_PROXY');
      for (const line of all.split('\n')) expect([...line].filter((c) => c === '(').length, line).toBe([...line].filter((c) => c === ')').length);
      expect(r.stdout).toContain('6 packages, 6 files: 6 packages not answered by the index (see the error); not written');
      expect(readFileSync(path, 'utf8')).toBe(lockText(many.slice(0, 6)));
    });
  });

  describe('colour: --color wins, then FORCE_COLOR / CLICOLOR_FORCE, then NO_COLOR, then a terminal', () => {
    it('through pipes', async () => {
      const path = ws.file('colour.pylock.toml', lockText(small));
      const colour = async (args: string[], env: Record<string, string>) =>
        (await runCli([...enrichArgs(path), '--dry-run', ...args], { env: { NO_COLOR: '', ...env } })).stdout.includes(ESC);
      expect(await colour([], {})).toBe(false);
      expect(await colour(['--color', 'always'], { NO_COLOR: '1' })).toBe(true);
      expect(await colour([], { FORCE_COLOR: '1' })).toBe(true);
      expect(await colour([], { CLICOLOR_FORCE: '1' })).toBe(true);
      expect(await colour([], { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
      expect(await colour([], { FORCE_COLOR: '0' })).toBe(false);
      expect(await colour(['--color', 'never'], { FORCE_COLOR: '1' })).toBe(false);
    });

    it.skipIf(!HAS_SCRIPT)('on a terminal (pseudo-terminal): colour by default, none with NO_COLOR or --color never', async () => {
      const path = ws.file('tty-colour.pylock.toml', lockText(small));
      const args = [...enrichArgs(path), '--dry-run'];
      const tty = await runCliInPty(args);
      expect(tty.code).toBe(0);
      expect(tty.output).toContain(`${ESC}32mverified`);
      expect((await runCliInPty(args, { env: { NO_COLOR: '1' } })).output).not.toMatch(/\u001b\[\d+m/);
      expect((await runCliInPty([...args, '--color', 'never'])).output).not.toMatch(/\u001b\[\d+m/);
    });
  });

  describe.skipIf(!HAS_SCRIPT)('the progress bar, on a pseudo-terminal', () => {
    it('draws done/total without a rate at first, and clears its line before the report', async () => {
      const path = ws.file('bar.pylock.toml', lockText(many));
      const r = await runCliInPty(['enrich', path, '--index-url', slow.simpleUrl, '--trusted-root', root, '--cache-dir', cache(), '--concurrency', '4']);
      expect(r.code).toBe(0);
      const frames = r.output.split('\r').filter((f) => /^\[[#.]+\] \d+\/41 files/.test(f));
      expect(frames.length).toBeGreaterThan(1);
      expect(frames[0]).not.toMatch(/ETA|\/s/);
      // The last frame is cleared before the report starts: `\r` + erase-line, then the lockfile's name (in bold).
      expect(r.output.replace(/\u001b\[\d+m/g, '')).toContain(`\r${ESC}K${path}`);
    }, 60_000);

    it("Ctrl-C: the bar's line is cleared, the message stands alone, exit 130, the lockfile untouched", async () => {
      const path = ws.file('interrupt.pylock.toml', lockText(many));
      const pidFile = join(ws.dir, 'cli.pid');
      let sent = false;
      const r = await runCliInPty(['enrich', path, '--index-url', slow.simpleUrl, '--trusted-root', root, '--cache-dir', cache(), '--concurrency', '1'], {
        pidFile,
        onOutput: (soFar) => {
          // Once the bar is on screen, press Ctrl-C (SIGINT to the CLI, as the terminal sends it).
          if (sent || !/\] \d+\/41 files/.test(soFar)) return;
          sent = true;
          process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGINT');
        },
      });
      expect(sent).toBe(true);
      expect(r.code).toBe(130);
      expect(r.output).toMatch(/files[^\r\n]*\r\u001b\[Kpylock-attest: interrupted by SIGINT: every lockfile is either untouched or completely written/);
      expect(readFileSync(path, 'utf8')).toBe(lockText(many));
    }, 60_000);
  });

  describe('explain', () => {
    it('prints what a finding or an error code means, offline, from the installed package', async () => {
      const r = await runCli(['explain', 'publisher-changed']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(explanationText(findExplanation('publisher-changed')!));
      expect(r.stdout).toContain('How to accept it');
      const code = await runCli(['explain', 'index_network']);
      expect(code.stdout.startsWith('INDEX_NETWORK (an error, exit 3)')).toBe(true);
    });

    it('an unknown name exits 2 and lists every known one', async () => {
      const r = await runCli(['explain', 'publisher-chnaged']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("error: no finding or error code is called 'publisher-chnaged'; did you mean publisher-changed?");
      for (const name of knownNames()) expect(r.stderr).toContain(name);
    });

    it('findings in every report point at `pylock-attest explain`, not at a docs path the package does not ship', async () => {
      const path = ws.file('explain-pointer.pylock.toml', lockText(small));
      await runCli(enrichArgs(path));
      writeFileSync(path, readFileSync(path, 'utf8').replace('repository = "acme/signed"', 'repository = "mallory/signed"'));
      const r = await runCli(enrichArgs(path));
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('pylock-attest explain publisher-changed');
      expect(r.stdout + r.stderr).not.toContain('docs/audit.md#');
    });
  });
});
