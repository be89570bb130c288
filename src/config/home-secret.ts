import * as fs from 'node:fs';
import * as path from 'node:path';

export interface HomeSecret {
  value: string;
  /** Where it is kept when generated (null when it came from the environment). */
  file: string | null;
  /** True on the start that created it. */
  generated: boolean;
}

/**
 * A secret from the environment when set; otherwise the one kept in
 * `$MNEMO_HOME/<fileName>` (mode 0600), generated on the first start and
 * reused after.
 */
export function resolveHomeSecret(options: {
  fromEnv: string | undefined;
  home: string;
  fileName: string;
  minLength: number;
  generate: () => string;
}): HomeSecret {
  if (options.fromEnv) return { value: options.fromEnv, file: null, generated: false };
  const file = path.join(options.home, options.fileName);
  if (fs.existsSync(file)) {
    fs.chmodSync(file, 0o600);
    const value = fs.readFileSync(file, 'utf8').trim();
    if (value.length >= options.minLength) return { value, file, generated: false };
    throw new Error(`${file} does not hold a valid secret; delete it to generate a new one`);
  }
  fs.mkdirSync(options.home, { recursive: true, mode: 0o755 });
  const value = options.generate();
  fs.writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
  return { value, file, generated: true };
}
