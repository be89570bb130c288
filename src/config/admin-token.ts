import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateAdminToken } from '../identity/credentials';
import type { AppConfig } from './config';

export interface AdminToken {
  token: string;
  /** Where it is kept when generated (null when MNEMO_ADMIN_TOKEN is set). */
  file: string | null;
  /** True on the start that created it. */
  generated: boolean;
}

/**
 * MNEMO_ADMIN_TOKEN when set; otherwise the token kept in `$MNEMO_HOME/admin-token`
 * (mode 0600), generated on the first start and reused after.
 */
export function resolveAdminToken(config: Pick<AppConfig, 'adminToken' | 'home'>): AdminToken {
  if (config.adminToken) return { token: config.adminToken, file: null, generated: false };
  const file = path.join(config.home, 'admin-token');
  if (fs.existsSync(file)) {
    fs.chmodSync(file, 0o600);
    const token = fs.readFileSync(file, 'utf8').trim();
    if (token.length >= 24) return { token, file, generated: false };
    throw new Error(`${file} does not hold a valid admin token; delete it to generate a new one`);
  }
  fs.mkdirSync(config.home, { recursive: true, mode: 0o755 });
  const token = generateAdminToken();
  fs.writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
  return { token, file, generated: true };
}
