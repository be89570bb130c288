import { AuditEventEntity } from '../audit/audit-event.entity';
import { AgentKeyEntity } from '../identity/agent-key.entity';
import { AgentEntity } from '../identity/agent.entity';
import { UserEntity } from '../identity/user.entity';

/** Every TypeORM entity of the service. */
export const ENTITIES = [UserEntity, AgentEntity, AgentKeyEntity, AuditEventEntity];
