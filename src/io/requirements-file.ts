/**
 * Reads requirements files and follows their `-r`/`-c` includes, each
 * relative to the file that names it (as pip does). An include cycle is
 * refused with the line that closes it; a file reached twice by different
 * paths is simply read twice (its pins merge).
 */
import { readFile, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { PylockAttestError } from '../errors.js';
import { parseRequirements, type LockWarning, type RequirementsEntry, type SourcePosition } from '../core/requirements.js';
import { decodeText, errnoText } from './text-file.js';

export interface RequirementsInput {
  /** Every entry of every file, includes expanded in place, in reading order. */
  entries: RequirementsEntry[];
  warnings: LockWarning[];
  /** Every file read, as shown in messages. */
  files: string[];
}

/** Far beyond any real requirements file; a bound on what a mistaken path can make us read. */
const MAX_BYTES = 16 * 1024 * 1024;
const MAX_DEPTH = 32;
const MAX_FILES = 1000;

export async function readRequirementsFiles(paths: readonly string[], env?: (name: string) => string | undefined): Promise<RequirementsInput> {
  const input: RequirementsInput = { entries: [], warnings: [], files: [] };
  for (const path of paths) await readOne(input, { path, constraints: false, stack: [], includedAt: undefined, env });
  return input;
}

interface Visit {
  path: string;
  constraints: boolean;
  /** Real paths of the files that include this one, outermost first. */
  stack: string[];
  includedAt: SourcePosition | undefined;
  env: ((name: string) => string | undefined) | undefined;
}

async function readOne(input: RequirementsInput, visit: Visit): Promise<void> {
  const { path, includedAt } = visit;
  if (input.files.length >= MAX_FILES || visit.stack.length >= MAX_DEPTH) {
    throw at(includedAt, path, `too many nested or included requirements files (at most ${MAX_DEPTH} deep, ${MAX_FILES} in all)`);
  }
  const real = await realpath(path).catch((e: unknown) => {
    throw at(includedAt, path, `cannot read ${includedAt ? `the included file ${path}` : 'the requirements file'}: ${errnoText(e)}`);
  });
  if (visit.stack.includes(real))
    throw at(includedAt, path, `include cycle: ${path} includes itself through ${visit.stack.length} file(s)`, 'remove the -r/-c line that closes the cycle');
  const parsed = parseRequirements(await readText(real, path, includedAt), path, { constraints: visit.constraints, ...(visit.env ? { env: visit.env } : {}) });
  input.files.push(path);
  input.warnings.push(...parsed.warnings);
  for (const entry of parsed.entries) {
    if (entry.kind !== 'include') {
      input.entries.push(entry);
      continue;
    }
    if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(entry.path))
      throw at(entry.at, path, `\`${entry.path}\`: includes from a URL are not supported`, 'download the file and include it by path');
    const child = isAbsolute(entry.path) ? entry.path : join(dirname(path), entry.path);
    await readOne(input, { path: child, constraints: entry.constraint, stack: [...visit.stack, real], includedAt: entry.at, env: visit.env });
  }
}

async function readText(real: string, shown: string, includedAt: SourcePosition | undefined): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(real);
  } catch (e) {
    throw at(includedAt, shown, `cannot read ${shown}: ${errnoText(e)}`);
  }
  if (bytes.length > MAX_BYTES) throw at(undefined, shown, `the file is larger than ${MAX_BYTES / 1024 / 1024} MiB; that is not a requirements file`);
  return decodeText(bytes, shown, 'requirements').text;
}

/** An error at the line that included the file, or at the file itself for a top-level one. */
function at(includedAt: SourcePosition | undefined, path: string, message: string, hint?: string): PylockAttestError {
  const location = includedAt ? { file: includedAt.file, line: includedAt.line, column: includedAt.column } : { file: path };
  return new PylockAttestError('REQUIREMENTS', message, { ...location, hint });
}
