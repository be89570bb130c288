import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AgentCall } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { validationFailed } from '../common/http/validation';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { generateToken, sha256Hex } from '../common/credentials';
import { ScopedMemoriesService } from '../memories/scoped-memories.service';
import { mergeMemories } from '../memories/merge';
import { toMergeInput } from '../memories/scoped-memories.repository';
import { PolicyService, ReadAuthorization } from '../policy/policy.service';
import { GrantListDto, ReadMemoryDto, ReadResultDto, RevokedCountDto, RevokedDto, RevokeGrantDto } from './scoped-reads.dto';
import { toGrant } from './read-grants.views';
import { ReadGrantsRepository } from './read-grants.repository';

export const TOKEN_NOT_FOUND = 'Revocation token not found';
export const GRANT_NOT_FOUND = 'Grant not found';
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
    private readonly memories: ScopedMemoriesService,
    private readonly grants: ReadGrantsRepository,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The policy's decision on a read, for REST (PolicyInterceptor, before the
   * controller) and MCP alike: the one place a read meets the purpose policy.
   */
  authorize(call: AgentCall, input: ReadMemoryDto): Promise<ReadAuthorization> {
    return this.policy.authorizeRead(call, {
      subject: input.user_id,
      scope: input.scope,
      domain: input.domain ?? null,
      purpose: input.purpose ?? null,
      purposeClass: input.purpose_class,
    });
  }

  /**
   * A read the policy allowed (the authorization comes from authorize()). The
   * selection, the new grant and the MEMORY_READ event are one statement
   * (ReadGrantsRepository.selectAndGrant); the merge then runs on the selected rows.
   */
  async read(call: AgentCall, authorization: ReadAuthorization, input: ReadMemoryDto): Promise<ReadResultDto> {
    const userId = call.caller.userId;
    const domain = input.domain ?? null;
    const maxAgeDays = input.max_age_days ?? null;
    const token = generateToken();
    const read = await this.grants.selectAndGrant(
      this.db.manager,
      call.actor,
      userId,
      this.memories.selection({ subject: input.user_id, scope: authorization.scope, domain, maxAgeDays }),
      {
        tokenHash: sha256Hex(token),
        subject: input.user_id,
        scope: authorization.scope,
        domain,
        purpose: authorization.purpose,
        purposeClass: authorization.purposeClass,
        maxAgeDays,
        agentId: call.caller.agentId,
        ttlHours: this.config.grantTtlHours,
      },
    );
    const merged = mergeMemories(authorization.scope, read.memories.map(toMergeInput));
    return { ...merged, revocation_token: token, expires_at: read.expiresAt };
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

  /**
   * Revokes a grant, named by its token or by its id. Unknown (or another
   * tenant's) is a 404; one already revoked is a 409 saying since when.
   */
  async revoke(call: AgentCall, which: RevokeGrantDto): Promise<RevokedDto> {
    if (which.revocation_token !== undefined && which.grant_id !== undefined) {
      throw validationFailed([{ field: 'grant_id', message: 'Give revocation_token or grant_id, not both' }]);
    }
    const userId = call.caller.userId;
    return this.db.transaction(async (em) => {
      const grant =
        which.grant_id !== undefined
          ? await this.grants.findById(em, userId, which.grant_id.toLowerCase())
          : await this.grants.findByToken(em, userId, sha256Hex(which.revocation_token!), 'update');
      if (!grant) throw AppError.notFound(which.grant_id !== undefined ? GRANT_NOT_FOUND : TOKEN_NOT_FOUND);
      if (grant.revokedAt) throw AppError.conflict(`Grant already revoked at ${grant.revokedAt.toISOString()}`);
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
