/**
 * argv → what to do, driven by the options table (cli/options.ts) with
 * node:util's parseArgs for the tokens. Every mistake is a USAGE error that
 * says what is wrong and what to type instead: a mistyped command or option
 * gets the closest real one, an option of another command says which, a
 * missing argument is named. yargs did this before; see docs/decisions.md
 * for why it went (start-up time, six dependencies, messages we could not word).
 */
import { parseArgs } from 'node:util';
import { PylockAttestError } from '../errors.js';
import { argKey, COMMAND_NAMES, commandSpec, optionsFor, OPTIONS, usageOf, type ArgsOf, type CommandName, type OptionSpec } from './options.js';
import { closest } from '../core/suggest.js';

export type Parsed =
  /** No command: print the usage (an error, exit 2: a script that lost its arguments must not pass). */
  | { kind: 'usage' }
  /** `--help`, `help`, `help <command>`, `<command> --help`. */
  | { kind: 'help'; command?: CommandName }
  | { kind: 'version' }
  | RunCommand;

export type RunCommand = { [C in CommandName]: { kind: 'run'; command: C; args: ArgsOf<C> } }[CommandName];

type Token = ReturnType<typeof parseArgs>['tokens'] extends (infer T)[] | undefined ? T : never;
type OptionToken = Extract<Token, { kind: 'option' }>;

const HELP = 'help';
const VERSION = 'version';

/** Every option of every command by name (one type per name, checked by test/cli-parse.test.ts), plus --help and --version. */
const PARSE_CONFIG = (() => {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    [HELP]: { type: 'boolean', short: 'h' },
    [VERSION]: { type: 'boolean' },
  };
  for (const opt of OPTIONS as readonly OptionSpec[]) {
    config[opt.name] = {
      type: opt.type === 'boolean' ? 'boolean' : 'string',
      ...(opt.alias ? { short: opt.alias } : {}),
      ...(opt.repeatable ? { multiple: true } : {}),
    };
  }
  return config;
})();

export function parseArgv(argv: readonly string[]): Parsed {
  const { tokens } = parseArgs({ args: [...argv], options: PARSE_CONFIG, strict: false, allowPositionals: true, allowNegative: true, tokens: true });
  const positionals = tokens.filter((t) => t.kind === 'positional').map((t) => t.value);
  const options = tokens.filter((t): t is OptionToken => t.kind === 'option');
  const asked = (name: string) => options.some((t) => t.name === name && !t.rawName.startsWith('--no-'));
  const [first, ...rest] = positionals;
  if (first === HELP) return { kind: 'help', ...(rest[0] !== undefined ? { command: commandNamed(rest[0]) } : {}) };
  if (first === undefined) return asked(HELP) ? { kind: 'help' } : asked(VERSION) ? { kind: 'version' } : { kind: 'usage' };
  const command = commandNamed(first);
  if (asked(HELP)) return { kind: 'help', command };
  if (asked(VERSION)) return { kind: 'version' };
  const args = { ...optionValues(command, options), ...positionalValues(command, rest) };
  // The one cast: the table above built exactly ArgsOf<command> (test/cli-parse.test.ts checks every command).
  return { kind: 'run', command, args } as RunCommand;
}

function commandNamed(name: string): CommandName {
  const found = COMMAND_NAMES.find((c) => c === name);
  if (found !== undefined) return found;
  const guess = closest(name, COMMAND_NAMES);
  throw new PylockAttestError('USAGE', `unknown command '${name}'${guess ? `; did you mean '${guess}'?` : ''}`, {
    hint: `the commands are ${COMMAND_NAMES.join(', ')}; pylock-attest --help says what each does`,
  });
}

function optionValues(command: CommandName, tokens: readonly OptionToken[]): Record<string, unknown> {
  const specs = optionsFor(command);
  const values: Record<string, unknown> = {};
  for (const token of tokens) {
    if (token.name === HELP || token.name === VERSION) continue;
    const spec = specs.find((o) => o.name === token.name);
    if (spec === undefined) throw unknownOption(command, token, specs);
    const key = argKey(spec.name);
    const value = optionValue(spec, token);
    // A repeatable option collects its values; any other takes the last one given, as most command lines do (scripts append overrides).
    values[key] = spec.repeatable ? [...((values[key] as string[] | undefined) ?? []), value as string] : value;
  }
  for (const spec of specs) {
    const key = argKey(spec.name);
    if (!(key in values)) values[key] = spec.repeatable ? [] : (spec.default ?? (spec.type === 'boolean' ? false : undefined));
  }
  return values;
}

function optionValue(spec: OptionSpec, token: OptionToken): string | number | boolean {
  const negated = token.rawName.startsWith('--no-');
  if (spec.type === 'boolean') {
    if (token.inlineValue === true)
      throw new PylockAttestError('USAGE', `${flag(spec)} takes no value (got ${token.rawName}=${token.value ?? ''})`, {
        hint: `write ${flag(spec)} or --no-${spec.name}`,
      });
    return !negated;
  }
  const example = `${flag(spec)} ${spec.placeholder ?? spec.choices?.[0] ?? 'VALUE'}`;
  if (negated || token.value === undefined) throw new PylockAttestError('USAGE', `${token.rawName} needs a value`, { hint: `for example ${example}` });
  // parseArgs takes the next word as the value even when it is an option: `--index-url --verify` is a forgotten URL.
  if (token.inlineValue === false && token.value.startsWith('-') && token.value.length > 1) {
    throw new PylockAttestError('USAGE', `${token.rawName} needs a value, but the next argument is ${token.value}`, {
      hint: `write ${flag(spec)}=${token.value} if that is the value; else for example ${example}`,
    });
  }
  if (spec.choices !== undefined && !spec.choices.includes(token.value)) {
    const guess = closest(token.value, spec.choices);
    throw new PylockAttestError('USAGE', `${flag(spec)} ${token.value}: expected one of ${spec.choices.join(', ')}${guess ? `; did you mean ${guess}?` : ''}`);
  }
  if (spec.type === 'number') {
    const n = Number(token.value);
    if (token.value.trim() === '' || !Number.isFinite(n))
      throw new PylockAttestError('USAGE', `${flag(spec)} must be a number (got '${token.value}')`, { hint: `for example ${example}` });
    return n;
  }
  return token.value;
}

function unknownOption(command: CommandName, token: OptionToken, specs: readonly OptionSpec[]): PylockAttestError {
  const elsewhere = (OPTIONS as readonly OptionSpec[]).filter((o) => o.name === token.name).flatMap((o) => o.commands);
  if (elsewhere.length > 0) {
    return new PylockAttestError('USAGE', `${token.rawName} is not an option of ${command}`, {
      hint: `${[...new Set(elsewhere)].join(', ')} ${elsewhere.length === 1 ? 'takes' : 'take'} it; pylock-attest ${command} --help lists ${command}'s options`,
    });
  }
  const bare = token.rawName.replace(/^-+(no-)?/, '');
  const names = [...specs.map((o) => o.name), HELP];
  const guess = token.rawName.startsWith('--') ? closest(bare, names) : specs.find((o) => o.name.startsWith(bare.toLowerCase()))?.name;
  const spelled =
    guess === undefined
      ? undefined
      : token.rawName.startsWith('--no-') && specs.some((o) => o.name === guess && o.type === 'boolean')
        ? `--no-${guess}`
        : `--${guess}`;
  return new PylockAttestError('USAGE', `unknown option ${token.rawName}${spelled ? `; did you mean ${spelled}?` : ''}`, {
    hint: `pylock-attest ${command} --help lists every option`,
  });
}

function positionalValues(command: CommandName, given: readonly string[]): Record<string, string | string[]> {
  const spec = commandSpec(command);
  const values: Record<string, string | string[]> = {};
  let next = 0;
  for (const p of spec.positionals) {
    if (next >= given.length)
      throw new PylockAttestError('USAGE', p.missing, { hint: `for example: ${spec.examples[0]?.command ?? `pylock-attest ${usageOf(spec)}`}` });
    values[p.name] = p.variadic ? given.slice(next) : given[next]!;
    next = p.variadic ? given.length : next + 1;
  }
  if (next < given.length) {
    throw new PylockAttestError('USAGE', `too many arguments for ${command}: ${given.slice(next).join(' ')}`, { hint: `pylock-attest ${usageOf(spec)}` });
  }
  return values;
}

function flag(spec: OptionSpec): string {
  return `--${spec.name}`;
}
