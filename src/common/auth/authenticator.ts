import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { APP_CONFIG, type AppConfig } from '../../config/config';
import { secretsEqual } from '../credentials';
import { AppError } from '../errors/app-error';
import { Caller } from './actor';
import { bearerToken, PresentedKey, presentedAgentKey } from './credentials-from-request';

export const QUERY_KEYS_DISABLED =
  'API keys in the query string are disabled; send the X-Api-Key or Authorization: Bearer header';
export const API_KEY_REQUIRED = 'API key required: send it as X-Api-Key: <key> or Authorization: Bearer <key>';
export const MCP_KEY_REQUIRED =
  'API key required: pass your agent key as the agent_key argument, or connect with the X-Api-Key or Authorization: Bearer header';
export const ADMIN_TOKEN_ON_AGENT_ROUTE =
  'This route takes an agent key, not the admin token: create an agent (POST /admin/users/{user}/agents) and send its key';
export const CONFLICTING_CREDENTIALS =
  'Conflicting credentials: the request presents different agent keys (X-Api-Key, Authorization: Bearer, agent_key); send one';

/** Looks an agent key up (identity's AgentKeysService): the caller, or a 401 AppError. */
export interface AgentKeyVerifier {
  authenticate(key: string): Promise<Caller>;
}
export const AGENT_KEY_VERIFIER = Symbol('AGENT_KEY_VERIFIER');

/** Turns presented credentials into a caller (agent keys) or an operator check (admin token). */
@Injectable()
export class Authenticator {
  constructor(
    @Inject(AGENT_KEY_VERIFIER) private readonly keys: AgentKeyVerifier,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The caller behind a request's agent key; 401 when missing, refused or invalid. */
  async callerFromRequest(req: IncomingMessage): Promise<Caller> {
    return this.callerFromPresented(presentedAgentKey(req, this.config.allowQueryKeys), () => missingKeyHint(req) ?? API_KEY_REQUIRED);
  }

  /**
   * The caller of an MCP tool call: the connection's key (headers, as for REST),
   * the `agent_key` argument, or both when they are the same key. A refused or
   * invalid header key fails whatever the argument says, and two different keys
   * are a conflict: an argument never overrides the connection silently.
   */
  async callerFromToolCall(req: IncomingMessage | undefined, argumentKey: unknown): Promise<Caller> {
    const presented: PresentedKey = req ? presentedAgentKey(req, this.config.allowQueryKeys) : { kind: 'none' };
    if (argumentKey === undefined) return this.callerFromPresented(presented, () => (req && missingKeyHint(req)) ?? MCP_KEY_REQUIRED);
    if (presented.kind === 'none') return this.callerFromKey(argumentKey);
    if (presented.kind === 'key' && (typeof argumentKey !== 'string' || argumentKey.trim() !== presented.key)) {
      throw AppError.unauthorized(CONFLICTING_CREDENTIALS);
    }
    return this.callerFromPresented(presented, () => MCP_KEY_REQUIRED);
  }

  /** `missing`: what to say when no key was sent (how to send one, for REST or MCP); worked out only then, off the hot path. */
  private async callerFromPresented(presented: PresentedKey, missing: () => string): Promise<Caller> {
    switch (presented.kind) {
      case 'query-refused':
        throw AppError.unauthorized(QUERY_KEYS_DISABLED);
      case 'conflict':
        throw AppError.unauthorized(CONFLICTING_CREDENTIALS);
      case 'none':
        throw AppError.unauthorized(missing());
      case 'key':
        return this.authenticate(presented.key);
    }
  }

  /** The caller behind an explicitly passed key (MCP `agent_key` argument). */
  private async callerFromKey(key: unknown): Promise<Caller> {
    if (typeof key !== 'string' || key.trim() === '') throw AppError.unauthorized('Invalid API key');
    return this.authenticate(key.trim());
  }

  /** An agent key's caller; the admin token sent in its place is named as such (its holder knows it). */
  private authenticate(key: string): Promise<Caller> {
    if (this.config.adminToken && secretsEqual(key, this.config.adminToken)) throw AppError.unauthorized(ADMIN_TOKEN_ON_AGENT_ROUTE);
    return this.keys.authenticate(key);
  }

  requireAdmin(req: IncomingMessage): void {
    const token = bearerToken(req);
    if (!token) throw AppError.unauthorized('Admin token required (Authorization: Bearer <MNEMO_ADMIN_TOKEN>)');
    if (!secretsEqual(token, this.config.adminToken ?? '')) throw AppError.unauthorized('Invalid admin token');
  }
}

/**
 * When no key was found, a key sent the wrong way: an Authorization header
 * without the Bearer scheme, or a look-alike header such as Api-Key.
 */
function missingKeyHint(req: IncomingMessage): string | undefined {
  const authorization = req.headers.authorization;
  if (authorization !== undefined && authorization.trim() !== '') {
    return 'Authorization must be "Bearer <agent key>" (or send the key as X-Api-Key: <key>)';
  }
  const lookalike = Object.keys(req.headers).find((h) => h !== 'x-api-key' && /^(x-)?api[-_]?(key|token)$|^x-(agent|auth)[-_]?(key|token)$/.test(h));
  if (lookalike) return `Send the agent key as X-Api-Key: <key> or Authorization: Bearer <key> (not ${lookalike})`;
  return undefined;
}
