import { EXIT_BAD_ARGUMENTS, EXIT_BAD_USAGE, parseCommandLine, UsageError } from './args';
import { COMMANDS, commandUsage, mainUsage, synopsis } from './commands';

function usageError(argv: string[]): UsageError {
  try {
    parseCommandLine(argv);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  it.each([[['--help']], [['-h']], [['help']], [['--email', 'x', '--help']]])('%j: the top-level usage', (argv) => {
    expect(parseCommandLine(argv)).toEqual({ kind: 'help', text: mainUsage() });
  });

  it('the top-level usage lists every command with its arguments', () => {
    for (const spec of COMMANDS) expect(mainUsage()).toContain(`  ${synopsis(spec)}  `);
    expect(mainUsage()).toContain('secrets:import-lucyapi FILE --user NAME --key-file F');
    expect(mainUsage()).toContain('user:create NAME [--email E] [--timezone TZ]');
  });

  it.each(COMMANDS.map((c) => [c.name]))('%s: --help, -h and help <command> print its own usage, even with bad arguments', (name) => {
    const spec = COMMANDS.find((c) => c.name === name)!;
    const expected = { kind: 'help', text: commandUsage(spec) };
    expect(parseCommandLine([name, '--help'])).toEqual(expected);
    expect(parseCommandLine([name, '-h'])).toEqual(expected);
    expect(parseCommandLine(['help', name])).toEqual(expected);
    expect(parseCommandLine(['--help', name])).toEqual(expected);
    expect(parseCommandLine([name, 'a', 'b', 'c', '--bogus', '--help'])).toEqual(expected);
    expect(commandUsage(spec)).toMatch(new RegExp(`^Usage: npm run cli -- ${synopsis(spec).replace(/[[\]]/g, '\\$&')}\n`));
    for (const a of spec.args) expect(commandUsage(spec)).toMatch(new RegExp(`^  ${a.name} +\\S`, 'm'));
    for (const o of spec.options) expect(commandUsage(spec)).toMatch(new RegExp(`^  --${o.name} ${o.value} +\\S`, 'm'));
    // Only this command.
    for (const other of COMMANDS.filter((c) => c !== spec)) expect(commandUsage(spec)).not.toContain(other.name);
  });

  it('reads a command, its arguments and options', () => {
    expect(parseCommandLine(['user:create', 'rick', '--timezone', 'Europe/Paris'])).toMatchObject({
      kind: 'run',
      command: { name: 'user:create' },
      args: ['rick'],
      options: { timezone: 'Europe/Paris' },
    });
    expect(parseCommandLine(['--user', 'rick', 'secrets:import-lucyapi', 'export.json', '--key-file', 'k'])).toMatchObject({
      command: { name: 'secrets:import-lucyapi' },
      args: ['export.json'],
      options: { user: 'rick', 'key-file': 'k' },
    });
    expect(parseCommandLine(['audit:verify'])).toMatchObject({ command: { name: 'audit:verify', readOnly: true }, args: [] });
    expect(parseCommandLine(['audit:verify', 'rick'])).toMatchObject({ args: ['rick'] });
    expect(parseCommandLine(['user:list'])).toMatchObject({ command: { readOnly: true } });
    expect(parseCommandLine(['agent:create', 'rick', 'lucy'])).toMatchObject({ command: { readOnly: false } });
  });

  it('no command, an unknown command or an unknown or malformed option: exit 2, error then usage', () => {
    expect(usageError([])).toMatchObject({ exitCode: EXIT_BAD_USAGE, message: mainUsage() });
    expect(usageError(['help', 'user:delete'])).toMatchObject({ exitCode: 2 });
    const cases: [string[], string, string][] = [
      [['user:delete', 'x'], "Error: Unknown command 'user:delete'. Commands: user:create, ", mainUsage()],
      [['--email', 'e'], 'Error: No command given.', mainUsage()],
      [['user:list', '--bogus'], "Error: Unknown option '--bogus'.", commandUsage(COMMANDS[1])],
      [['user:create', '--email'], "Error: Option '--email <value>' argument missing", commandUsage(COMMANDS[0])],
      [['user:create', 'x', '--label', 'l'], 'Error: Option --label does not apply to user:create.', commandUsage(COMMANDS[0])],
    ];
    for (const [argv, error, usage] of cases) {
      const err = usageError(argv);
      expect({ argv, exitCode: err.exitCode }).toEqual({ argv, exitCode: EXIT_BAD_USAGE });
      expect(err.message.startsWith(error)).toBe(true);
      expect(err.message.endsWith(`\n\n${usage}`)).toBe(true);
    }
  });

  it("wrong arguments for a known command: exit 1, error then the command's usage", () => {
    const cases: [string[], string][] = [
      [['user:create'], 'Error: Missing argument NAME.'],
      [['agent:create', 'rick'], 'Error: Missing argument AGENT.'],
      [['user:list', 'extra'], "Error: Unexpected argument 'extra'."],
      [['audit:verify', 'a', 'b'], "Error: Unexpected argument 'b'."],
      [['secrets:import-lucyapi', 'f', '--key-file', 'k'], 'Error: Missing option --user NAME.'],
      [['secrets:import-lucyapi', 'f', '--user', 'u'], 'Error: Missing option --key-file F.'],
      [['secrets:import-lucyapi', '--user', 'u', '--key-file', 'k'], 'Error: Missing argument FILE.'],
    ];
    for (const [argv, error] of cases) {
      const err = usageError(argv);
      const spec = COMMANDS.find((c) => c.name === argv[0])!;
      expect({ argv, exitCode: err.exitCode, message: err.message }).toEqual({
        argv,
        exitCode: EXIT_BAD_ARGUMENTS,
        message: `${error}\n\n${commandUsage(spec)}`,
      });
    }
  });
});
