import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '../common/http/paging';
import { PG_INT_MAX } from '../common/http/validation';
import { all, RowId } from '../mcp/tool-args';
import {
  CreateAgentMemoryDto,
  CreateHandoffDto,
  CreateNodeDto,
  HANDOFF_STATUSES,
  PARENT_RULE,
  type HandoffStatus,
  SessionNotesDto,
  SORT_RULE,
  UpdateAgentMemoryDto,
  UpdateNodeDto,
} from './context.dto';

/**
 * MCP argument classes: the REST bodies plus the path parts (`agent_name`,
 * `pkid`, ...), validated with the same rules and messages (ids as ParseId).
 * `agent_name` defaults to the caller, except for create_handoff's recipient.
 */

const AGENT_NAME_RULE = 'agent_name must be a string of at most 64 characters';

/** Optional `agent_name` (the path's `{name}`). */
const AgentName = () => all(IsOptional(), IsString({ message: AGENT_NAME_RULE }), MaxLength(64, { message: AGENT_NAME_RULE }));

export class AgentArgs {
  @AgentName() agent_name?: string;
}

export class AgentPageArgs extends PageQueryDto {
  @AgentName() agent_name?: string;
}

export class NodeArgs extends AgentArgs {
  @RowId('pkid') pkid: number;
}

export class CreateNodeArgs extends CreateNodeDto {
  @AgentName() agent_name?: string;
}

export class UpdateNodeArgs extends UpdateNodeDto {
  @AgentName() agent_name?: string;
  @RowId('pkid') pkid: number;
}

/** A move: `pkid` and the new `parent_id` (required here), optionally a new `sort_order`. */
export class MoveNodeArgs extends NodeArgs {
  @IsInt({ message: PARENT_RULE })
  @Min(0, { message: PARENT_RULE })
  @Max(PG_INT_MAX, { message: PARENT_RULE })
  parent_id: number;

  @IsOptional()
  @IsInt({ message: SORT_RULE })
  @Min(-PG_INT_MAX - 1, { message: SORT_RULE })
  @Max(PG_INT_MAX, { message: SORT_RULE })
  sort_order?: number;
}

export class CreateMemoryArgs extends CreateAgentMemoryDto {
  @AgentName() agent_name?: string;
}

export class UpdateMemoryArgs extends UpdateAgentMemoryDto {
  @AgentName() agent_name?: string;
  @RowId('pkid') pkid: number;
}

export class HandoffArgs extends AgentArgs {
  @RowId('handoff_id') handoff_id: number;
}

export class ListHandoffsArgs extends AgentPageArgs {
  @IsOptional()
  @IsIn(HANDOFF_STATUSES, { message: 'status must be one of pending, picked_up, all' })
  status?: HandoffStatus;
}

const RECIPIENT_RULE = 'agent_name (the recipient) must be an agent name of at most 64 characters';

/** The recipient is the REST path's `{name}`: required, never defaulted to the caller (a handoff to yourself is no handoff). */
export class CreateHandoffArgs extends CreateHandoffDto {
  @IsString({ message: RECIPIENT_RULE })
  @MaxLength(64, { message: RECIPIENT_RULE })
  agent_name: string;
}

export class SessionNotesArgs extends SessionNotesDto {
  @RowId('session_id') session_id: number;
}

export class ContextArgs extends AgentArgs {
  @IsOptional()
  @IsIn([true, false], { message: 'start_session must be true or false' })
  start_session?: boolean;

  @IsOptional()
  @IsIn([true, false], { message: 'full must be true or false' })
  full?: boolean;
}
