import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AgentCall } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import {
  CLASSIFICATION_RULES,
  classifyPurpose,
  isAllowed,
  POLICY_MATRIX,
  PURPOSE_CLASSES,
  PurposeClass,
  Scope,
  SCOPES,
  SOURCES,
} from './policy.constants';

/** What a read declares: which memories, and why. */
export interface ReadRequest {
  subject: string;
  scope: Scope;
  domain: string | null;
  purpose: string | null;
  purposeClass?: PurposeClass;
}

declare const authorized: unique symbol;

/** Proof that the policy allowed a read. Only PolicyService makes one; the read service requires it. */
export interface ReadAuthorization {
  readonly [authorized]: true;
  readonly scope: Scope;
  readonly purpose: string | null;
  readonly purposeClass: PurposeClass;
}

export const UNCLASSIFIED_PURPOSE =
  `The purpose matches no purpose class; name one in purpose_class: ${PURPOSE_CLASSES.join(', ')}`;

@Injectable()
export class PolicyService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** The policy's decision on a read: an authorization, or the 403 to answer with. */
  decide(read: ReadRequest): { allowed: ReadAuthorization } | { denied: AppError; purposeClass: PurposeClass | null } {
    const purposeClass = read.purposeClass ?? classifyPurpose(read.purpose ?? '');
    if (purposeClass && isAllowed(read.scope, purposeClass)) {
      return { allowed: { scope: read.scope, purpose: read.purpose, purposeClass } as ReadAuthorization };
    }
    const detail = purposeClass
      ? `Purpose class '${purposeClass}' not allowed for scope '${read.scope}'`
      : UNCLASSIFIED_PURPOSE;
    return { denied: AppError.forbidden(detail), purposeClass };
  }

  /** Audits a denial (`MEMORY_READ`, `POLICY_DENIED`) with the caller's transaction manager. */
  recordDenial(em: EntityManager, call: AgentCall, read: ReadRequest, purposeClass: PurposeClass | null): Promise<void> {
    return this.audit.record(em, call.actor, {
      userId: call.caller.userId,
      eventType: 'MEMORY_READ',
      subject: read.subject,
      scope: read.scope,
      domain: read.domain,
      purpose: read.purpose,
      purposeClass,
      reasonCode: 'POLICY_DENIED',
    });
  }

  /**
   * Decides whether a purpose may read a scope, outside any transaction. Unknown
   * purposes are denied (fail closed); a denial is audited and thrown as 403.
   */
  async authorizeRead(call: AgentCall, read: ReadRequest): Promise<ReadAuthorization> {
    const decision = this.decide(read);
    if ('allowed' in decision) return decision.allowed;
    await this.recordDenial(this.db.manager, call, read, decision.purposeClass);
    throw decision.denied;
  }

  /** The whole policy, for GET /policy and the get_policy tool. */
  describe() {
    return {
      scopes: SCOPES,
      purpose_classes: PURPOSE_CLASSES,
      sources: SOURCES,
      matrix: POLICY_MATRIX,
      classification: CLASSIFICATION_RULES,
      unmatched_purpose: 'deny',
    };
  }
}
