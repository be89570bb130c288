import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { APP_CONFIG, type AppConfig } from '../../config/config';
import { AgentKeysService } from '../../identity/agent-keys.service';
import { secretsEqual } from '../../identity/credentials';
import { AppError } from '../errors/app-error';
import { Caller } from './actor';
import { bearerToken, presentedAgentKey } from './credentials-from-request';

export const QUERY_KEYS_DISABLED =
  'API keys in the query string are disabled; send the X-Api-Key or Authorization: Bearer header';

/** Turns presented credentials into a caller (agent keys) or an operator check (admin token). */
@Injectable()
export class Authenticator {
  constructor(
    private readonly keys: AgentKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The caller behind a request's agent key; 401 when missing, refused or invalid. */
  async callerFromRequest(req: IncomingMessage): Promise<Caller> {
    const presented = presentedAgentKey(req, this.config.allowQueryKeys);
    if (presented.kind === 'query-refused') throw AppError.unauthorized(QUERY_KEYS_DISABLED);
    if (presented.kind === 'none') throw AppError.unauthorized('API key required');
    return this.keys.authenticate(presented.key);
  }

  /** The caller behind an explicitly passed key (MCP `agent_key` argument). */
  async callerFromKey(key: unknown): Promise<Caller> {
    if (typeof key !== 'string' || key.trim() === '') throw AppError.unauthorized('Invalid API key');
    return this.keys.authenticate(key.trim());
  }

  requireAdmin(req: IncomingMessage): void {
    const token = bearerToken(req);
    if (!token) throw AppError.unauthorized('Admin token required (Authorization: Bearer <MNEMO_ADMIN_TOKEN>)');
    if (!secretsEqual(token, this.config.adminToken ?? '')) throw AppError.unauthorized('Invalid admin token');
  }
}
