import { randomBytes } from 'node:crypto';
import { generateAdminToken } from '../common/credentials';
import type { AppConfig } from './config';
import { HomeSecret, resolveHomeSecret } from './home-secret';

export interface AdminToken {
  token: string;
  /** Where it is kept when generated (null when MNEMO_ADMIN_TOKEN is set). */
  file: string | null;
  /** True on the start that created it. */
  generated: boolean;
}

/** MNEMO_ADMIN_TOKEN when set; otherwise `$MNEMO_HOME/admin-token`, generated on the first start. */
export function resolveAdminToken(config: Pick<AppConfig, 'adminToken' | 'home'>): AdminToken {
  const secret = resolveHomeSecret({
    fromEnv: config.adminToken,
    home: config.home,
    fileName: 'admin-token',
    minLength: 24,
    generate: generateAdminToken,
  });
  return { token: secret.value, file: secret.file, generated: secret.generated };
}

/** DOC_LINK_SECRET when set; otherwise `$MNEMO_HOME/doc-link-secret` (256 random bits), generated on the first start. */
export function resolveDocLinkSecret(config: Pick<AppConfig, 'docLinkSecret' | 'home'>): HomeSecret {
  return resolveHomeSecret({
    fromEnv: config.docLinkSecret,
    home: config.home,
    fileName: 'doc-link-secret',
    minLength: 32,
    generate: () => randomBytes(32).toString('base64url'),
  });
}
