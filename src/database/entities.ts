import { AuditEventEntity } from '../audit/audit-event.entity';
import { ReadGrantEntity } from '../grants/read-grant.entity';
import { AgentKeyEntity } from '../identity/agent-key.entity';
import { AgentEntity } from '../identity/agent.entity';
import { UserEntity } from '../identity/user.entity';
import { ScopedMemoryEntity } from '../memories/scoped-memory.entity';

/** Every TypeORM entity of the service. */
export const ENTITIES = [UserEntity, AgentEntity, AgentKeyEntity, AuditEventEntity, ScopedMemoryEntity, ReadGrantEntity];
