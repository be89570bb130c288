/**
 * The operator CLI's commands as data: what each accepts (for argument
 * checking) and how it is described (for `--help`). The code that runs them is
 * in run.ts.
 */

export const OPTION_NAMES = ['email', 'timezone', 'label', 'user', 'key-file'] as const;
export type OptionName = (typeof OPTION_NAMES)[number];

export const COMMAND_NAMES = [
  'user:create',
  'user:list',
  'agent:create',
  'key:create',
  'key:revoke',
  'secrets:rewrap',
  'secrets:import-lucyapi',
  'audit:verify',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface ArgumentSpec {
  name: string;
  optional?: boolean;
  help: string;
}

export interface OptionSpec {
  name: OptionName;
  /** Placeholder of its value in usage lines. */
  value: string;
  required?: boolean;
  help: string;
}

export interface CommandSpec {
  name: CommandName;
  /** One line for the command list. */
  summary: string;
  /** More lines for `<command> --help`. */
  details: string[];
  args: ArgumentSpec[];
  options: OptionSpec[];
  /**
   * Read-only commands never create a database: without DATABASE_URL they
   * refuse a MNEMO_HOME that holds no initialised PostgreSQL cluster.
   */
  readOnly: boolean;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'user:create',
    summary: 'create a user (tenant)',
    details: ['Create a user (tenant). Names are stored lowercase.'],
    args: [{ name: 'NAME', help: 'user name: 1-64 characters of a-z, 0-9, _ and - (case-insensitive)' }],
    options: [
      { name: 'email', value: 'E', help: 'e-mail address (default: none)' },
      { name: 'timezone', value: 'TZ', help: 'IANA time zone, e.g. Europe/Paris (default: DEFAULT_TIMEZONE, UTC)' },
    ],
    readOnly: false,
  },
  {
    name: 'user:list',
    summary: 'list users',
    details: ['List every user: id, name, time zone and e-mail, then the count.'],
    args: [],
    options: [],
    readOnly: true,
  },
  {
    name: 'agent:create',
    summary: 'create an agent; prints its key (shown once)',
    details: ['Create an agent for a user and print its first key (shown once: store it now).'],
    args: [
      { name: 'USER', help: 'name of an existing user' },
      { name: 'AGENT', help: 'agent name, globally unique: 1-64 characters of a-z, 0-9, _ and -' },
    ],
    options: [],
    readOnly: false,
  },
  {
    name: 'key:create',
    summary: 'issue another key for an agent (shown once)',
    details: ["Issue another key for an agent and print it (shown once). The agent's other keys keep working."],
    args: [{ name: 'AGENT', help: 'name of an existing agent' }],
    options: [{ name: 'label', value: 'L', help: 'what the key is for, shown in listings (up to 200 characters)' }],
    readOnly: false,
  },
  {
    name: 'key:revoke',
    summary: 'revoke a key (running services refuse it within 5 s)',
    details: ['Revoke one key of an agent. A running service refuses it within 5 s (its key cache).'],
    args: [
      { name: 'AGENT', help: 'name of the agent' },
      { name: 'KEY_ID', help: 'the key id (a UUID) printed when the key was issued' },
    ],
    options: [],
    readOnly: false,
  },
  {
    name: 'secrets:rewrap',
    summary: 're-encrypt every secret under the newest key (SECRETS_KEYS)',
    details: [
      'Re-encrypt every secret under the newest key of SECRETS_KEYS (id:base64, comma-separated, newest last).',
      'A secret no configured key decrypts is left as it is and counted on stderr (exit 1).',
    ],
    args: [],
    options: [],
    readOnly: false,
  },
  {
    name: 'secrets:import-lucyapi',
    summary: 'import a LucyAPI secrets export [{key, encrypted_value_base64}]',
    details: [
      'Import a LucyAPI secrets export (JSON: [{key, encrypted_value_base64}]) for a user, decrypted with',
      "LucyAPI's 32-byte key file and stored under the newest configured key. Nothing is imported if any entry fails.",
    ],
    args: [{ name: 'FILE', help: 'the export file (JSON)' }],
    options: [
      { name: 'user', value: 'NAME', required: true, help: 'the user the secrets belong to' },
      { name: 'key-file', value: 'F', required: true, help: "LucyAPI's key file (32 raw bytes)" },
    ],
    readOnly: false,
  },
  {
    name: 'audit:verify',
    summary: 'seal, then verify the audit hash chain of USER',
    details: [
      'Seal the audit events written since the last seal, then verify the hash chain of USER',
      '(default: every user and the operator chain). Exit 1 when a chain does not verify.',
    ],
    args: [{ name: 'USER', optional: true, help: "a user's name; without it: every user and the operator chain" }],
    options: [],
    readOnly: true,
  },
];

export function findCommand(name: string | undefined): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

const PROGRAM = 'npm run cli --';

export function optionUsage(o: OptionSpec): string {
  return `--${o.name} ${o.value}`;
}

/** `NAME [--email E] [--timezone TZ]`: the command with its arguments and options. */
export function synopsis(spec: CommandSpec): string {
  const args = spec.args.map((a) => (a.optional ? `[${a.name}]` : a.name));
  const options = spec.options.map((o) => (o.required ? optionUsage(o) : `[${optionUsage(o)}]`));
  return [spec.name, ...args, ...options].join(' ');
}

const DATABASE_NOTE = [
  'Database: DATABASE_URL, or else the embedded PostgreSQL under MNEMO_HOME (default',
  './.mnemo), the same as the service\'s and shared with it while it runs. A command',
  'prints the database it uses on stderr before it opens it.',
];

const READ_ONLY_NOTE = 'Never creates a database: exits 1 when there is none (no DATABASE_URL, no database under MNEMO_HOME).';
const WRITE_NOTE = 'Creates the embedded database under MNEMO_HOME when there is none yet, as the service does.';

function table(rows: [string, string][], indent = '  '): string[] {
  const width = Math.max(...rows.map(([left]) => left.length)) + 3;
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}${right}`.trimEnd());
}

/** The top-level usage (`--help`, `help`, or no command). */
export function mainUsage(): string {
  const lines = table(COMMANDS.map((c): [string, string] => [synopsis(c), c.summary]));
  return [
    `Usage: ${PROGRAM} <command> [arguments]`,
    `       ${PROGRAM} <command> --help   (or: help <command>)`,
    '',
    'Commands:',
    ...lines,
    '',
    ...DATABASE_NOTE,
    `${COMMANDS.filter((c) => c.readOnly).map((c) => c.name).join(' and ')} never create a database; the other commands`,
    'create the embedded one under MNEMO_HOME when there is none yet, as the service does.',
    '',
    'Exit status: 0 done; 1 failed, or wrong arguments for the command (the reason is on stderr);',
    '2 unknown command or option.',
  ].join('\n');
}

/** The usage of one command (`<command> --help`). */
export function commandUsage(spec: CommandSpec): string {
  const rows: [string, string][] = [
    ...spec.args.map((a): [string, string] => [a.name, a.optional ? `${a.help} (optional)` : a.help]),
    ...spec.options.map((o): [string, string] => [optionUsage(o), o.required ? `${o.help} (required)` : o.help]),
    ['-h, --help', 'print this help'],
  ];
  return [
    `Usage: ${PROGRAM} ${synopsis(spec)}`,
    '',
    ...spec.details,
    '',
    ...table(rows),
    '',
    ...DATABASE_NOTE,
    spec.readOnly ? READ_ONLY_NOTE : WRITE_NOTE,
  ].join('\n');
}
