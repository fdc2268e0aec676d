import { writeFile } from 'node:fs/promises';
import { PylockAttestError } from '../errors.js';

/**
 * Write a report the user asked for (`refresh --summary FILE`). Not a
 * lockfile: no temp-and-rename, because CI hands us files such as
 * `$GITHUB_STEP_SUMMARY` that must be written where they are.
 */
export async function writeReportFile(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException)?.code ?? String(e);
    throw new PylockAttestError(
      'WRITE',
      `cannot write the summary: ${code}`,
      { file: path, hint: 'check that the directory exists and is writable' },
      { cause: e },
    );
  }
}
