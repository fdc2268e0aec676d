import { PylockAttestError } from '../errors.js';
import type { CliContext } from './context.js';
import { explanationText, findExplanation, knownNames } from './explanations.js';
import type { ArgsOf } from './options.js';
import { closest } from '../core/suggest.js';

/** `explain <finding-or-error-code>`: the documentation shipped in the package, offline. */
export async function runExplain(args: ArgsOf<'explain'>, ctx: CliContext): Promise<number> {
  const found = findExplanation(args.name);
  if (found === undefined) {
    const guess = closest(
      args.name.toLowerCase(),
      knownNames().map((n) => n.toLowerCase()),
    );
    throw new PylockAttestError('USAGE', `no finding or error code is called '${args.name}'${guess ? `; did you mean ${guess}?` : ''}`, {
      hint: `known names: ${knownNames().join(', ')}`,
    });
  }
  ctx.io.stdout.write(explanationText(found));
  return 0;
}
