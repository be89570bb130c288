import { IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '../common/http/paging';
import {
  CreateAgentMemoryDto,
  CreateHandoffDto,
  CreateNodeDto,
  HANDOFF_STATUSES,
  type HandoffStatus,
  SessionNotesDto,
  UpdateAgentMemoryDto,
  UpdateNodeDto,
} from './context.dto';

/**
 * MCP argument classes: the REST bodies plus the path parts (`agent_name`,
 * `pkid`, ...), validated with the same rules. `agent_name` defaults to the caller.
 */

const ID_RULE = (field: string) => `${field} must be a positive integer`;

class AgentArg {
  @IsOptional()
  @IsString({ message: 'agent_name must be a string' })
  @MaxLength(64, { message: 'agent_name must be at most 64 characters' })
  agent_name?: string;
}

export class AgentArgs extends AgentArg {}

export class AgentPageArgs extends PageQueryDto {
  @IsOptional()
  @IsString({ message: 'agent_name must be a string' })
  @MaxLength(64, { message: 'agent_name must be at most 64 characters' })
  agent_name?: string;
}

export class NodeArgs extends AgentArg {
  @IsInt({ message: ID_RULE('pkid') })
  @Min(1, { message: ID_RULE('pkid') })
  pkid: number;
}

export class CreateNodeArgs extends CreateNodeDto {
  @IsOptional()
  @IsString({ message: 'agent_name must be a string' })
  @MaxLength(64, { message: 'agent_name must be at most 64 characters' })
  agent_name?: string;
}

export class UpdateNodeArgs extends UpdateNodeDto {
  @IsOptional()
  @IsString({ message: 'agent_name must be a string' })
  @MaxLength(64, { message: 'agent_name must be at most 64 characters' })
  agent_name?: string;

  @IsInt({ message: ID_RULE('pkid') })
  @Min(1, { message: ID_RULE('pkid') })
  pkid: number;
}

export class MoveNodeArgs extends NodeArgs {
  @IsInt({ message: 'parent_id must be an integer >= 0' })
  @Min(0, { message: 'parent_id must be an integer >= 0' })
  parent_id: number;

  @IsOptional()
  @IsInt({ message: 'sort_order must be an integer' })
  sort_order?: number;
}

export class CreateMemoryArgs extends CreateAgentMemoryDto {
  @IsOptional()
  @IsString({ message: 'agent_name must be a string' })
  @MaxLength(64, { message: 'agent_name must be at most 64 characters' })
  agent_name?: string;
}

export class UpdateMemoryArgs extends UpdateAgentMemoryDto {
  @IsOptional()
  @IsString({ message: 'agent_name must be a string' })
  @MaxLength(64, { message: 'agent_name must be at most 64 characters' })
  agent_name?: string;

  @IsInt({ message: ID_RULE('pkid') })
  @Min(1, { message: ID_RULE('pkid') })
  pkid: number;
}

export class HandoffArgs extends AgentArg {
  @IsInt({ message: ID_RULE('handoff_id') })
  @Min(1, { message: ID_RULE('handoff_id') })
  handoff_id: number;
}

export class ListHandoffsArgs extends AgentPageArgs {
  @IsOptional()
  @IsIn(HANDOFF_STATUSES, { message: 'status must be one of pending, picked_up, all' })
  status?: HandoffStatus;
}

export class CreateHandoffArgs extends CreateHandoffDto {
  @IsOptional()
  @IsString({ message: 'agent_name must be a string' })
  @MaxLength(64, { message: 'agent_name must be at most 64 characters' })
  agent_name?: string;
}

export class SessionNotesArgs extends SessionNotesDto {
  @IsInt({ message: ID_RULE('session_id') })
  @Min(1, { message: ID_RULE('session_id') })
  session_id: number;
}

export class ContextArgs extends AgentArg {
  @IsOptional()
  @IsIn([true, false], { message: 'start_session must be true or false' })
  start_session?: boolean;
}
