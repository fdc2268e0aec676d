import { execFile } from 'node:child_process';
import { PylockAttestError } from '../errors.js';
import { decodeText, type DecodedText } from './text-file.js';

/**
 * Reads a lockfile as it was at a git revision: `git:<rev>:<path>`.
 *
 * `<path>` is relative to the current working directory, like every other
 * path argument (so `diff git:HEAD:pylock.toml pylock.toml` means the same
 * file twice, from any subdirectory). git is run with execFile, never a shell;
 * a revision may not start with `-`, so it can never be read as an option.
 */

export interface GitSpec {
  rev: string;
  /** Absent in `git:<rev>`: the caller supplies the lockfile's own path. */
  path?: string;
}

export const GIT_PREFIX = 'git:';

/** `git:<rev>[:<path>]` → its parts; anything else → undefined. The rev ends at the first `:`. */
export function parseGitSpec(spec: string): GitSpec | undefined {
  if (!spec.startsWith(GIT_PREFIX)) return undefined;
  const rest = spec.slice(GIT_PREFIX.length);
  const colon = rest.indexOf(':');
  const rev = colon === -1 ? rest : rest.slice(0, colon);
  const path = colon === -1 ? undefined : rest.slice(colon + 1);
  if (rev === '' || rev.startsWith('-') || /[\0\n\r]/.test(rev)) {
    throw new PylockAttestError('USAGE', `not a usable git revision in ${JSON.stringify(spec)}`, {
      hint: 'write git:<rev>:<path>, for example git:HEAD:pylock.toml or git:origin/main:pylock.toml',
    });
  }
  if (path !== undefined && (path === '' || path.includes('\0'))) {
    throw new PylockAttestError('USAGE', `no path after the revision in ${JSON.stringify(spec)}`, {
      hint: 'write git:<rev>:<path>, for example git:HEAD:pylock.toml',
    });
  }
  return path === undefined ? { rev } : { rev, path };
}

export function gitLabel(rev: string, path: string): string {
  return `${GIT_PREFIX}${rev}:${path}`;
}

/**
 * The lockfile's text at `rev` (strict UTF-8, one BOM removed, two refused:
 * io/text-file.ts, as for a lockfile on disk), or `undefined` when the
 * revision exists but has no such path. Encoding errors name `label`.
 */
export async function readGitText(
  rev: string,
  path: string,
  cwd: string = process.cwd(),
  label: string = gitLabel(rev, path),
): Promise<DecodedText | undefined> {
  const bytes = await readGitFile(rev, path, cwd);
  return bytes === undefined ? undefined : decodeText(bytes, label, 'lockfile');
}

/** The file's bytes at `rev`, or `undefined` when the revision exists but has no such path. */
async function readGitFile(rev: string, path: string, cwd: string): Promise<Buffer | undefined> {
  const label = gitLabel(rev, path);
  // A repository's first commit has no HEAD yet: there is no baseline, so
  // every package is new (rather than blocking that commit with an error).
  if (rev === 'HEAD' && (await hasNoCommits(cwd))) return undefined;
  const listing = await git(['ls-tree', '-z', rev, '--', path], cwd, label);
  const entries = listing
    .toString('utf8')
    .split('\0')
    .filter((e) => e !== '');
  if (entries.length === 0) return undefined;
  const [meta = ''] = entries[0]!.split('\t');
  const [, type, object] = meta.split(' ');
  if (entries.length !== 1 || type !== 'blob' || object === undefined || !/^[0-9a-f]{40,64}$/.test(object)) {
    throw new PylockAttestError('GIT_READ', `${path} is not a single file at ${rev}`, {
      file: label,
      hint: 'name the lockfile itself, for example git:HEAD:pylock.toml',
    });
  }
  return git(['show', object], cwd, label);
}

const MAX_BYTES = 256 * 1024 * 1024;

async function hasNoCommits(cwd: string): Promise<boolean> {
  try {
    await git(['rev-parse', '--verify', '--quiet', 'HEAD'], cwd, 'git:HEAD');
    return false;
  } catch {
    // HEAD does not resolve: inside a work tree that means an unborn branch.
    return git(['rev-parse', '--is-inside-work-tree'], cwd, 'git:HEAD').then(
      (out) => out.toString('utf8').trim() === 'true',
      () => false,
    );
  }
}

function git(args: string[], cwd: string, label: string): Promise<Buffer> {
  // Literal pathspecs: a lockfile path with `*` or `[` names that file, not a pattern.
  const env = { ...process.env, GIT_LITERAL_PATHSPECS: '1', GIT_TERMINAL_PROMPT: '0' };
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env, encoding: 'buffer', maxBuffer: MAX_BYTES, windowsHide: true }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      reject(gitError(error, stderr.toString('utf8'), label));
    });
  });
}

function gitError(error: Error & { code?: unknown }, stderr: string, label: string): PylockAttestError {
  if (error.code === 'ENOENT') {
    return new PylockAttestError(
      'GIT_READ',
      'git is not installed or not on PATH',
      { file: label, hint: 'install git, or save the old lockfile to a file and pass that instead' },
      { cause: error },
    );
  }
  const first =
    stderr
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.replace(/^fatal:\s*/, '') ?? error.message;
  // git's own words (unknown revision, not a repository), shortened to one line.
  return new PylockAttestError(
    'GIT_READ',
    `git could not read it: ${first.slice(0, 300)}`,
    { file: label, hint: 'check the revision (git log) and that the path is inside this repository' },
    { cause: error },
  );
}
