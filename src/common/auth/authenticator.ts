import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { APP_CONFIG, type AppConfig } from '../../config/config';
import { AgentKeysService } from '../../identity/agent-keys.service';
import { secretsEqual } from '../../identity/credentials';
import { AppError } from '../errors/app-error';
import { Caller } from './actor';
import { bearerToken, PresentedKey, presentedAgentKey } from './credentials-from-request';

export const QUERY_KEYS_DISABLED =
  'API keys in the query string are disabled; send the X-Api-Key or Authorization: Bearer header';
export const CONFLICTING_CREDENTIALS =
  'Conflicting credentials: the request presents different agent keys (X-Api-Key, Authorization: Bearer, agent_key); send one';

/** Turns presented credentials into a caller (agent keys) or an operator check (admin token). */
@Injectable()
export class Authenticator {
  constructor(
    private readonly keys: AgentKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The caller behind a request's agent key; 401 when missing, refused or invalid. */
  async callerFromRequest(req: IncomingMessage): Promise<Caller> {
    return this.callerFromPresented(presentedAgentKey(req, this.config.allowQueryKeys));
  }

  /**
   * The caller of an MCP tool call: the connection's key (headers, as for REST),
   * the `agent_key` argument, or both when they are the same key. A refused or
   * invalid header key fails whatever the argument says, and two different keys
   * are a conflict: an argument never overrides the connection silently.
   */
  async callerFromToolCall(req: IncomingMessage | undefined, argumentKey: unknown): Promise<Caller> {
    const presented: PresentedKey = req ? presentedAgentKey(req, this.config.allowQueryKeys) : { kind: 'none' };
    if (argumentKey === undefined) return this.callerFromPresented(presented);
    if (presented.kind === 'none') return this.callerFromKey(argumentKey);
    if (presented.kind === 'key' && (typeof argumentKey !== 'string' || argumentKey.trim() !== presented.key)) {
      throw AppError.unauthorized(CONFLICTING_CREDENTIALS);
    }
    return this.callerFromPresented(presented);
  }

  private async callerFromPresented(presented: PresentedKey): Promise<Caller> {
    switch (presented.kind) {
      case 'query-refused':
        throw AppError.unauthorized(QUERY_KEYS_DISABLED);
      case 'conflict':
        throw AppError.unauthorized(CONFLICTING_CREDENTIALS);
      case 'none':
        throw AppError.unauthorized('API key required');
      case 'key':
        return this.keys.authenticate(presented.key);
    }
  }

  /** The caller behind an explicitly passed key (MCP `agent_key` argument). */
  private async callerFromKey(key: unknown): Promise<Caller> {
    if (typeof key !== 'string' || key.trim() === '') throw AppError.unauthorized('Invalid API key');
    return this.keys.authenticate(key.trim());
  }

  requireAdmin(req: IncomingMessage): void {
    const token = bearerToken(req);
    if (!token) throw AppError.unauthorized('Admin token required (Authorization: Bearer <MNEMO_ADMIN_TOKEN>)');
    if (!secretsEqual(token, this.config.adminToken ?? '')) throw AppError.unauthorized('Invalid admin token');
  }
}
