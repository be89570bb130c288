import { parseArgs, type ParseArgsConfig } from 'node:util';
import { commandUsage, COMMANDS, type CommandSpec, findCommand, mainUsage, OPTION_NAMES, type OptionName, optionUsage } from './commands';

/** Exit code of an unknown command, no command, or an unknown or malformed option. */
export const EXIT_BAD_USAGE = 2;
/** Exit code of a known command given the wrong arguments (missing, extra, a required option missing). */
export const EXIT_BAD_ARGUMENTS = 1;

/** A mistake on the command line: `message` is the whole text for stderr (error, then usage). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export type CliInvocation =
  | { kind: 'help'; text: string }
  | { kind: 'run'; command: CommandSpec; args: string[]; options: Partial<Record<OptionName, string>> };

const PARSE_OPTIONS = {
  ...Object.fromEntries(OPTION_NAMES.map((name) => [name, { type: 'string' as const }])),
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

function usageError(error: string, exitCode: number, spec?: CommandSpec): UsageError {
  return new UsageError(`Error: ${error}\n\n${spec ? commandUsage(spec) : mainUsage()}`, exitCode);
}

function unknownCommand(name: string): UsageError {
  const known = COMMANDS.map((c) => c.name).join(', ');
  return usageError(`Unknown command '${name}'. Commands: ${known}.`, EXIT_BAD_USAGE);
}

/**
 * Reads the command line. `--help`/`-h` anywhere (before `--`), or `help
 * [command]`, asks for usage and wins over every other mistake, so that it
 * always works. Throws UsageError for anything else that is wrong.
 */
export function parseCommandLine(argv: string[]): CliInvocation {
  // Lenient first: enough to find the command and a help request whatever else is on the line.
  const lenient = parseArgs({ args: argv, options: PARSE_OPTIONS, allowPositionals: true, strict: false });
  const words = lenient.positionals;
  const helpWanted = lenient.values.help === true || words[0] === 'help';
  if (helpWanted) {
    const topic = words[0] === 'help' ? words[1] : words[0];
    if (topic === undefined) return { kind: 'help', text: mainUsage() };
    const spec = findCommand(topic);
    if (!spec) throw unknownCommand(topic);
    return { kind: 'help', text: commandUsage(spec) };
  }
  if (argv.length === 0) throw new UsageError(mainUsage(), EXIT_BAD_USAGE);
  const guessed = findCommand(words[0]);

  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: PARSE_OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!code.startsWith('ERR_PARSE_ARGS_')) throw err;
    // Node's message, without its advice on '--' (rarely what is meant here).
    const message = (err as Error).message.replace(/\. To specify a positional argument[\s\S]*$/, '.');
    throw usageError(message, EXIT_BAD_USAGE, guessed);
  }

  const [name, ...args] = parsed.positionals;
  if (name === undefined) throw usageError('No command given.', EXIT_BAD_USAGE);
  const spec = findCommand(name);
  if (!spec) throw unknownCommand(name);

  const options: Partial<Record<OptionName, string>> = {};
  for (const option of OPTION_NAMES) {
    const value = parsed.values[option];
    if (value === undefined) continue;
    if (!spec.options.some((o) => o.name === option)) {
      throw usageError(`Option --${option} does not apply to ${spec.name}.`, EXIT_BAD_USAGE, spec);
    }
    options[option] = value as string;
  }

  const required = spec.args.filter((a) => !a.optional);
  if (args.length < required.length) {
    throw usageError(`Missing argument ${required[args.length].name}.`, EXIT_BAD_ARGUMENTS, spec);
  }
  if (args.length > spec.args.length) {
    throw usageError(`Unexpected argument '${args[spec.args.length]}'.`, EXIT_BAD_ARGUMENTS, spec);
  }
  const missing = spec.options.find((o) => o.required && options[o.name] === undefined);
  if (missing) throw usageError(`Missing option ${optionUsage(missing)}.`, EXIT_BAD_ARGUMENTS, spec);

  return { kind: 'run', command: spec, args, options };
}
