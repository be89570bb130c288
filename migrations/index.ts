import { Identity1795219200000 } from './1795219200000-Identity';
import { ScopedMemories1795305600000 } from './1795305600000-ScopedMemories';
import { ScopedMemoryIndexes1795309200000 } from './1795309200000-ScopedMemoryIndexes';
import { AgentContext1795316400000 } from './1795316400000-AgentContext';
import { AgentContextVersion1795320000000 } from './1795320000000-AgentContextVersion';
import { UserKnowledge1795323600000 } from './1795323600000-UserKnowledge';
import { ProjectListVersion1795327200000 } from './1795327200000-ProjectListVersion';
import { DropProjectListVersion1795330800000 } from './1795330800000-DropProjectListVersion';
import { SecretsAndAuditChain1795334400000 } from './1795334400000-SecretsAndAuditChain';
import { Images1795338000000 } from './1795338000000-Images';

/** Every migration, oldest first. Class references (no globs) work the same in ts-jest and dist/. */
export const MIGRATIONS = [
  Identity1795219200000,
  ScopedMemories1795305600000,
  ScopedMemoryIndexes1795309200000,
  AgentContext1795316400000,
  AgentContextVersion1795320000000,
  UserKnowledge1795323600000,
  ProjectListVersion1795327200000,
  DropProjectListVersion1795330800000,
  SecretsAndAuditChain1795334400000,
  Images1795338000000,
];
