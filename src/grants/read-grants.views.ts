import type { GrantDto } from './scoped-reads.dto';
import type { ReadGrantEntity } from './read-grant.entity';

/** Entity -> API shape. Never the token (it is not stored) nor its hash. */
export function toGrant(g: ReadGrantEntity): GrantDto {
  return {
    id: g.id,
    user_id: g.subject,
    scope: g.scope,
    domain: g.domain,
    purpose: g.purpose,
    purpose_class: g.purposeClass,
    max_age_days: g.maxAgeDays,
    agent_id: g.agentId,
    created_at: g.createdAt,
    expires_at: g.expiresAt,
    revoked_at: g.revokedAt,
  };
}
