import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AgentCall } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { generateToken, sha256Hex } from '../identity/credentials';
import { Params, Sql, SqlExpr } from '../database/sql';
import { MemoriesService } from '../memories/memories.service';
import { mergeMemories } from '../memories/merge';
import { ScopedMemoriesRepository, SelectedMemoryRow, toMergeInput } from '../memories/scoped-memories.repository';
import { PolicyService, ReadAuthorization } from '../policy/policy.service';
import { GrantListDto, ReadMemoryDto, ReadResultDto, RevokedCountDto, RevokedDto } from './grant.dto';
import { toGrant } from './grant.views';
import { ReadGrantsRepository } from './read-grants.repository';

export const TOKEN_NOT_FOUND = 'Revocation token not found';
export const REVOKED = 'REVOKED';

/**
 * Policy-gated reads of scoped memories and the read grants behind them: a read
 * merges, issues a revocation token and audits, all in one transaction;
 * continue re-reads under the grant until it is revoked or expires.
 */
@Injectable()
export class ScopedReadsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly memories: MemoriesService,
    private readonly memoryRows: ScopedMemoriesRepository,
    private readonly grants: ReadGrantsRepository,
    private readonly sql: Sql,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A read the policy allowed (the authorization comes from PolicyService). */
  /**
   * A read the policy allowed (the authorization comes from PolicyService). The
   * selection, the new grant and the MEMORY_READ event are one statement: atomic,
   * one round trip; the merge then runs on the selected rows.
   */
  async read(call: AgentCall, authorization: ReadAuthorization, input: ReadMemoryDto): Promise<ReadResultDto> {
    const userId = call.caller.userId;
    const domain = input.domain ?? null;
    const maxAgeDays = input.max_age_days ?? null;
    const token = generateToken();
    const p = new Params();
    const picked = this.memoryRows.selectForMergeSql(
      p,
      userId,
      this.memories.selection({ subject: input.user_id, scope: authorization.scope, domain, maxAgeDays }),
    );
    const grant = this.grants.insertSql(p, userId, {
      tokenHash: sha256Hex(token),
      subject: input.user_id,
      scope: authorization.scope,
      domain,
      purpose: authorization.purpose,
      purposeClass: authorization.purposeClass,
      maxAgeDays,
      agentId: call.caller.agentId,
      ttlHours: this.config.grantTtlHours,
    });
    const audit = this.audit.insertSql(
      call.actor,
      {
        userId,
        eventType: 'MEMORY_READ',
        subject: input.user_id,
        scope: authorization.scope,
        domain,
        purpose: authorization.purpose,
        purposeClass: authorization.purposeClass,
        memoryIds: new SqlExpr('(SELECT array_agg(id ORDER BY created_at DESC, id DESC) FROM picked)'),
        grantId: new SqlExpr('(SELECT id FROM granted)'),
      },
      p,
    );
    const rows = await this.sql.query<SelectedMemoryRow & { grant_expires_at: Date | null }>(
      `WITH picked AS (${picked}), granted AS (${grant}), audit AS (${audit})
       SELECT id, created_ms, value_shape, value_json, NULL::timestamptz AS grant_expires_at FROM picked
       UNION ALL
       SELECT id, NULL, NULL, NULL, expires_at FROM granted`,
      p,
    );
    const grantRow = rows.find((r) => r.grant_expires_at !== null)!;
    const merged = mergeMemories(authorization.scope, rows.filter((r) => r !== grantRow).map(toMergeInput));
    return { ...merged, revocation_token: token, expires_at: grantRow.grant_expires_at! };
  }

  /**
   * Re-reads under a grant. The grant row stays share-locked until this commits,
   * so a revoke waits for continues in flight, and none succeeds after it answered.
   */
  async continueRead(call: AgentCall, token: string, maxAgeDays?: number | null): Promise<ReadResultDto> {
    const userId = call.caller.userId;
    const outcome = await this.db.transaction(async (em): Promise<{ denied: AppError } | { result: ReadResultDto }> => {
      const grant = await this.grants.findByToken(em, userId, sha256Hex(token), 'share');
      if (!grant) throw AppError.notFound(TOKEN_NOT_FOUND);
      if (grant.revokedAt || grant.expiresAt.getTime() <= Date.now()) throw AppError.forbidden(REVOKED);
      // The policy may have changed since the grant was issued. A denial is audited in
      // this transaction (no second connection while the grant is locked) and answered after it commits.
      const read = {
        subject: grant.subject,
        scope: grant.scope,
        domain: grant.domain,
        purpose: grant.purpose,
        purposeClass: grant.purposeClass,
      };
      const decision = this.policy.decide(read);
      if ('denied' in decision) {
        await this.policy.recordDenial(em, call, read, decision.purposeClass);
        return { denied: decision.denied };
      }
      const merged = await this.memories.merged(em, userId, {
        subject: grant.subject,
        scope: decision.allowed.scope,
        domain: grant.domain,
        maxAgeDays: maxAgeDays ?? grant.maxAgeDays,
      });
      await this.audit.record(em, call.actor, {
        userId,
        eventType: 'MEMORY_READ',
        subject: grant.subject,
        scope: grant.scope,
        domain: grant.domain,
        purpose: grant.purpose,
        purposeClass: grant.purposeClass,
        memoryIds: merged.memoryIds,
        grantId: grant.id,
        reasonCode: 'CONTINUE',
      });
      return {
        result: {
          summary_text: merged.summary_text,
          summary_struct: merged.summary_struct,
          confidence: merged.confidence,
          revocation_token: token,
          expires_at: grant.expiresAt,
        },
      };
    });
    if ('denied' in outcome) throw outcome.denied;
    return outcome.result;
  }

  /** Revokes a grant; unknown and already revoked tokens are indistinguishable (404). */
  async revoke(call: AgentCall, token: string): Promise<RevokedDto> {
    const userId = call.caller.userId;
    return this.db.transaction(async (em) => {
      const grant = await this.grants.findByToken(em, userId, sha256Hex(token), 'update');
      if (!grant || grant.revokedAt) throw AppError.notFound(TOKEN_NOT_FOUND);
      const revokedAt = await this.grants.revoke(em, grant.id, 'user_requested');
      await this.audit.record(em, call.actor, {
        userId,
        eventType: 'MEMORY_REVOKE',
        subject: grant.subject,
        scope: grant.scope,
        domain: grant.domain,
        grantId: grant.id,
      });
      return { revoked: true, revoked_at: revokedAt };
    });
  }

  async listGrants(call: AgentCall, subject: string): Promise<GrantListDto> {
    const grants = await this.grants.listActive(this.db.manager, call.caller.userId, subject);
    return { grants: grants.map(toGrant) };
  }

  /** Revokes every active grant about a subject. */
  async revokeAll(call: AgentCall, subject: string): Promise<RevokedCountDto> {
    return this.db.transaction(async (em) => {
      const ids = await this.grants.revokeActive(em, call.caller.userId, subject, 'user_requested');
      await this.audit.record(em, call.actor, {
        userId: call.caller.userId,
        eventType: 'MEMORY_REVOKE',
        subject,
        reasonCode: 'REVOKE_ALL',
        meta: { grant_ids: ids },
      });
      return { revoked: ids.length };
    });
  }
}
