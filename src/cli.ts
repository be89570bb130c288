import { parseCommandLine, UsageError } from './cli/args';
import { NoDatabaseError, requireExistingDatabase } from './cli/database-target';
import { loadDotEnv } from './common/dotenv';
import { ConfigError, loadConfig } from './config/config';

/**
 * The operator CLI (`npm run cli -- <command>`): reads the command line, prints
 * usage for `--help`, and only then loads Nest and opens the database
 * (src/cli/run.ts). Commands and their usage: src/cli/commands.ts.
 */
async function main(argv: string[]): Promise<number> {
  let invocation;
  try {
    invocation = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(err.message);
    return err.exitCode;
  }
  if (invocation.kind === 'help') {
    process.stdout.write(`${invocation.text}\n`);
    return 0;
  }
  let config;
  try {
    loadDotEnv();
    config = loadConfig();
    // Before anything can write into MNEMO_HOME (opening the database, or the key ring generating a key there).
    if (invocation.command.readOnly) requireExistingDatabase(config);
  } catch (err) {
    if (!(err instanceof ConfigError || err instanceof NoDatabaseError)) throw err;
    console.error(err.message);
    return 1;
  }
  const { runCommand, reportError } = await import('./cli/run.js');
  try {
    await runCommand(invocation, config);
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // A command may have set a failure code while still printing its results (e.g. audit:verify).
    if (code !== 0) process.exit(code);
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
