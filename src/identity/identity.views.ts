import { AgentDto, AgentKeyDto, UserDto } from './admin.dto';
import { AgentKeyEntity } from './agent-key.entity';
import { AgentEntity } from './agent.entity';
import { UserEntity } from './user.entity';

/** Entity -> API shape (snake_case, never key material). */
export function toUserView(u: UserEntity): UserDto {
  return { id: u.id, name: u.name, email: u.email, timezone: u.timezone, created_at: u.createdAt };
}

export function toKeyView(k: AgentKeyEntity): AgentKeyDto {
  return {
    id: k.id,
    label: k.label,
    created_at: k.createdAt,
    last_used_at: k.lastUsedAt,
    revoked_at: k.revokedAt,
  };
}

export function toAgentView(a: AgentEntity, keys: AgentKeyEntity[]): AgentDto {
  return {
    id: a.id,
    name: a.name,
    user_id: a.userId,
    created_at: a.createdAt,
    last_seen_at: a.lastSeenAt,
    keys: keys.map(toKeyView),
  };
}
