import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { PageDto, PageQueryDto } from '../common/http/paging';
import { PartialTitledDto, TITLE_RULE, TitledDto, trimmed } from '../common/http/titled.dto';
import { BooleanFromQuery, PG_INT_MAX } from '../common/http/validation';
import { TimeDto } from '../system/time.dto';

/**
 * Request bodies of the agent-scoped API. Absent fields mean "unchanged";
 * `description: null` clears a description (REST and MCP alike); `title: null` is refused.
 */

export const PARENT_RULE = 'parent_id must be an integer >= 0';
export const SORT_RULE = `sort_order must be an integer from ${-PG_INT_MAX - 1} to ${PG_INT_MAX}`;

export class CreateNodeDto extends TitledDto {
  @ApiPropertyOptional({ default: 0, description: '0 for a root node; else a node of the same tree' })
  @IsOptional()
  @IsInt({ message: PARENT_RULE })
  @Min(0, { message: PARENT_RULE })
  @Max(PG_INT_MAX, { message: PARENT_RULE })
  parent_id?: number;

  @ApiPropertyOptional({ default: 0, description: 'Order among siblings (then pkid)' })
  @IsOptional()
  @IsInt({ message: SORT_RULE })
  @Min(-PG_INT_MAX - 1, { message: SORT_RULE })
  @Max(PG_INT_MAX, { message: SORT_RULE })
  sort_order?: number;
}

export class UpdateNodeDto extends PartialTitledDto {
  @ApiPropertyOptional({ description: 'Moves the node: 0 for root, else a node of the same tree that is not inside it' })
  @ValidateIf((o: UpdateNodeDto) => o.parent_id !== undefined)
  @IsInt({ message: PARENT_RULE })
  @Min(0, { message: PARENT_RULE })
  @Max(PG_INT_MAX, { message: PARENT_RULE })
  parent_id?: number;

  @ApiPropertyOptional()
  @ValidateIf((o: UpdateNodeDto) => o.sort_order !== undefined)
  @IsInt({ message: SORT_RULE })
  @Min(-PG_INT_MAX - 1, { message: SORT_RULE })
  @Max(PG_INT_MAX, { message: SORT_RULE })
  sort_order?: number;
}

export class CreateAgentMemoryDto extends TitledDto {}
export class UpdateAgentMemoryDto extends PartialTitledDto {}

export class CreateSessionDto {
  @ApiPropertyOptional({ example: 'mnemo', nullable: true, type: String, maxLength: 500, description: 'Project context' })
  @IsOptional()
  @IsString({ message: 'project must be a string of at most 500 characters' })
  @MaxLength(500, { message: 'project must be a string of at most 500 characters' })
  project?: string | null;
}

export class SessionNotesDto {
  @ApiProperty({ example: 'Shipped the handoff queue.', nullable: true, type: String, maxLength: 100000 })
  @ValidateIf((o: SessionNotesDto) => o.notes !== null)
  @IsString({ message: 'notes must be a string of at most 100000 characters, or null' })
  @MaxLength(100000, { message: 'notes must be a string of at most 100000 characters, or null' })
  notes: string | null;
}

export class CreateHandoffDto {
  @ApiProperty({ example: 'Continue the migration', maxLength: 500 })
  @Transform(trimmed)
  @IsString({ message: TITLE_RULE })
  @MinLength(1, { message: TITLE_RULE })
  @MaxLength(500, { message: TITLE_RULE })
  title: string;

  @ApiProperty({ example: 'Pick up at step 3: …', maxLength: 100000 })
  @IsString({ message: 'prompt must be 1-100000 characters' })
  @MinLength(1, { message: 'prompt must be 1-100000 characters' })
  @MaxLength(100000, { message: 'prompt must be 1-100000 characters' })
  prompt: string;
}

export const HANDOFF_STATUSES = ['pending', 'picked_up', 'all'] as const;
export type HandoffStatus = (typeof HANDOFF_STATUSES)[number];

export class HandoffListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: HANDOFF_STATUSES, default: 'pending', description: 'pending (not picked up), picked_up, or all' })
  @IsOptional()
  @IsIn(HANDOFF_STATUSES, { message: 'status must be one of pending, picked_up, all' })
  status?: HandoffStatus;
}

export class ContextQueryDto {
  @ApiPropertyOptional({ default: false, description: 'Also record a session start and report the previous one (true/false or 1/0)' })
  @BooleanFromQuery()
  @IsOptional()
  @IsBoolean({ message: 'start_session must be true or false' })
  start_session?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Give the always-load nodes with their descriptions, not titles only (true/false or 1/0)' })
  @BooleanFromQuery()
  @IsOptional()
  @IsBoolean({ message: 'full must be true or false' })
  full?: boolean;
}

/* Responses of the agent-scoped API. */

const PKID = { type: 'integer', example: 12, description: 'Id within this agent’s tree or list' } as const;
const PARENT = { type: 'integer', example: 0, description: '0 for a root node' } as const;
const SORT = { type: 'integer', example: 0, description: 'Order among siblings (then pkid)' } as const;
const DESCRIPTION = { type: String, nullable: true, example: 'Warm, direct.' } as const;
const AGENT = { example: 'lucy', description: 'The agent named in the path' } as const;

/** A node of an always-load or preferences tree. */
export class TreeNodeDto {
  @ApiProperty(PKID) pkid: number;
  @ApiProperty(PARENT) parent_id: number;
  @ApiProperty({ example: 'Voice' }) title: string;
  @ApiProperty(DESCRIPTION) description: string | null;
  @ApiProperty(SORT) sort_order: number;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) updated_at: Date;
}

/** A node with its whole subtree (GET …/preferences/tree). */
export class NestedTreeNodeDto extends TreeNodeDto {
  @ApiProperty({ type: () => [NestedTreeNodeDto], description: 'Child nodes, in sibling order, each with its subtree' })
  children: NestedTreeNodeDto[];
}

export class AlwaysLoadListDto extends PageDto {
  @ApiProperty(AGENT) agent: string;
  @ApiProperty({ type: [TreeNodeDto], description: 'Flat, by parent_id, sort_order, pkid' }) always_load: TreeNodeDto[];
}

/** A root preference, as the manifest lists it. */
export class PreferenceRootDto {
  @ApiProperty(PKID) pkid: number;
  @ApiProperty({ example: 'Food' }) title: string;
  @ApiProperty(SORT) sort_order: number;
}

export class PreferenceRootListDto extends PageDto {
  @ApiProperty(AGENT) agent: string;
  @ApiProperty({ type: [PreferenceRootDto] }) preferences: PreferenceRootDto[];
}

export class PreferenceTreeDto {
  @ApiProperty(AGENT) agent: string;
  @ApiProperty({ type: [NestedTreeNodeDto], description: 'The root preferences, each with its subtree' }) preferences: NestedTreeNodeDto[];
}

export class TreeNodeWithChildrenDto {
  @ApiProperty({ type: TreeNodeDto }) node: TreeNodeDto;
  @ApiProperty({ type: [TreeNodeDto], description: 'Immediate children, in sibling order' }) children: TreeNodeDto[];
}

/** Where a node sits, as a create or an update answers it. */
export class TreeNodePlaceDto {
  @ApiProperty(PKID) pkid: number;
  @ApiProperty(PARENT) parent_id: number;
  @ApiProperty({ example: 'Voice' }) title: string;
  @ApiProperty(SORT) sort_order: number;
}

export class CreatedTreeNodeDto {
  @ApiProperty({ type: TreeNodePlaceDto }) created: TreeNodePlaceDto;
}

export class UpdatedTreeNodeDto {
  @ApiProperty({ type: TreeNodePlaceDto }) updated: TreeNodePlaceDto;
}

export class AgentMemoryDto {
  @ApiProperty({ ...PKID, example: 7 }) pkid: number;
  @ApiProperty({ example: 'Has a dog named Rex' }) title: string;
  @ApiProperty({ ...DESCRIPTION, example: 'A beagle, 4 years old' }) description: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) updated_at: Date;
}

export class AgentMemoryListDto extends PageDto {
  @ApiProperty(AGENT) agent: string;
  @ApiProperty({ type: [AgentMemoryDto], description: 'By pkid' }) memories: AgentMemoryDto[];
}

export class AgentMemoryCreatedDto {
  @ApiProperty({ ...PKID, example: 7 }) pkid: number;
  @ApiProperty({ example: 'Has a dog named Rex' }) title: string;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
}

export class CreatedAgentMemoryDto {
  @ApiProperty({ type: AgentMemoryCreatedDto }) created: AgentMemoryCreatedDto;
}

export class AgentMemoryTitleDto {
  @ApiProperty({ ...PKID, example: 7 }) pkid: number;
  @ApiProperty({ example: 'Has a dog named Rex' }) title: string;
}

export class UpdatedAgentMemoryDto {
  @ApiProperty({ type: AgentMemoryTitleDto }) updated: AgentMemoryTitleDto;
}

export class HandoffDto {
  @ApiProperty({ type: 'integer', example: 4 }) handoff_id: number;
  @ApiProperty({ example: 'Continue the migration' }) title: string;
  @ApiProperty({ example: 'Pick up at step 3.' }) prompt: string;
  @ApiProperty({ type: String, nullable: true, example: 'linus', description: 'The sending agent (null once it was deleted)' })
  created_by_agent: string | null;
  @ApiProperty({ example: 'lucy', description: 'The agent it is addressed to' }) recipient: string;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ type: Date, format: 'date-time', nullable: true, description: 'null while pending' }) picked_up_at: Date | null;
}

export class HandoffListDto extends PageDto {
  @ApiProperty({ example: 'lucy', description: 'The recipient (GET …/handoffs) or the sender (GET /handoffs/sent)' }) agent: string;
  @ApiProperty({ type: [HandoffDto] }) handoffs: HandoffDto[];
}

export class HandoffCreatedDto {
  @ApiProperty({ type: 'integer', example: 4 }) handoff_id: number;
  @ApiProperty({ example: 'Continue the migration' }) title: string;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ example: 'linus', description: 'The calling agent, recorded as the sender' }) created_by_agent: string;
}

export class CreatedHandoffDto {
  @ApiProperty({ type: HandoffCreatedDto }) created: HandoffCreatedDto;
}

export class HandoffPickedUpDto {
  @ApiProperty({ type: 'integer', example: 4 }) handoff_id: number;
  @ApiProperty({ example: 'Continue the migration' }) title: string;
  @ApiProperty({ format: 'date-time' }) picked_up_at: Date;
}

export class PickedUpHandoffDto {
  @ApiProperty({ type: HandoffPickedUpDto }) picked_up: HandoffPickedUpDto;
}

const SESSION_ID = { type: 'integer', example: 9 } as const;
const PROJECT = { type: String, nullable: true, example: 'mnemo', description: 'Project context, when one was given' } as const;

/** POST /sessions. */
export class SessionDto {
  @ApiProperty(SESSION_ID) session_id: number;
  @ApiProperty({ example: 'lucy', description: 'The calling agent' }) agent: string;
  @ApiProperty({ format: 'date-time' }) started_at: Date;
  @ApiProperty(PROJECT) project: string | null;
}

export class LastSessionDetailDto {
  @ApiProperty(SESSION_ID) session_id: number;
  @ApiProperty({ format: 'date-time' }) started_at: Date;
  @ApiProperty(PROJECT) project: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Shipped the handoff queue.' }) notes: string | null;
}

export class LastSessionDto {
  @ApiProperty({ example: 'lucy', description: 'The calling agent' }) agent: string;
  @ApiProperty({ type: LastSessionDetailDto, nullable: true, description: 'null when the agent has no session yet' })
  last_session: LastSessionDetailDto | null;
}

export class SessionNotesResultDto {
  @ApiProperty(SESSION_ID) session_id: number;
  @ApiProperty({ type: String, nullable: true, example: 'Shipped the handoff queue.' }) notes: string | null;
}

export class UpdatedSessionNotesDto {
  @ApiProperty({ type: SessionNotesResultDto }) updated: SessionNotesResultDto;
}

/* GET /agents/{name}/context: the start-of-conversation manifest. */

export class ContextNodeDto {
  @ApiProperty(PKID) pkid: number;
  @ApiProperty(PARENT) parent_id: number;
  @ApiProperty({ example: 'Voice' }) title: string;
  @ApiPropertyOptional({ ...DESCRIPTION, description: 'Only with full=true' }) description?: string | null;
}

export class ContextTitleDto {
  @ApiProperty({ ...PKID, example: 7 }) pkid: number;
  @ApiProperty({ example: 'Has a dog named Rex' }) title: string;
}

export class ContextProjectDto {
  @ApiProperty({ type: 'integer', example: 12 }) project_id: number;
  @ApiProperty({ example: 'Mnemo' }) title: string;
  @ApiProperty({ example: 'active', description: 'Status code (GET /project-statuses)' }) status: string;
}

export class ContextLastSessionDto {
  @ApiProperty(SESSION_ID) session_id: number;
  @ApiProperty({ format: 'date-time' }) started_at: Date;
  @ApiProperty(PROJECT) project: string | null;
}

export class ContextHandoffDto {
  @ApiProperty({ type: 'integer', example: 4 }) handoff_id: number;
  @ApiProperty({ example: 'Continue the migration' }) title: string;
  @ApiProperty({ type: String, nullable: true, example: 'linus', description: 'The sending agent (null once it was deleted)' })
  created_by_agent: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
}

export class ContextHintDto {
  @ApiProperty({ type: 'integer', example: 7 }) hint_id: number;
  @ApiProperty({ type: 'integer', example: 0, description: '0 for a category' }) parent_id: number;
  @ApiProperty({ example: 'Git' }) title: string;
}

export class ContextNudgeDto {
  @ApiProperty({ type: 'integer', example: 2 }) nudge_id: number;
  @ApiProperty({ example: 'Renew the TLS certificate' }) title: string;
  @ApiProperty({ type: String, nullable: true, example: null }) description: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true, example: '2026-12-01', description: 'null: ASAP' }) due_date: string | null;
  @ApiProperty({ type: Date, format: 'date-time', nullable: true, description: 'When it was last surfaced (this read stamps it)' })
  last_reminded: Date | null;
}

export class ContextSessionDto {
  @ApiProperty(SESSION_ID) session_id: number;
  @ApiProperty({ format: 'date-time' }) started_at: Date;
}

export class ContextPreviousSessionDto extends ContextLastSessionDto {
  @ApiProperty({ type: 'integer', example: 3600, description: 'Seconds between its start and the session just started' }) gap_seconds: number;
}

export class ContextDto {
  @ApiProperty(AGENT) agent: string;
  @ApiProperty({ type: TimeDto, description: "Now, in the user's time zone" }) time: TimeDto;
  @ApiProperty({ type: [ContextNodeDto], description: 'Always-load titles (with descriptions when full=true), by parent_id, sort_order, pkid' }) always_load: ContextNodeDto[];
  @ApiProperty({ type: [ContextTitleDto], description: 'Memory titles, by pkid' }) memories: ContextTitleDto[];
  @ApiProperty({ type: [ContextTitleDto], description: 'Root preferences, in sibling order' }) preferences_manifest: ContextTitleDto[];
  @ApiProperty({ type: [ContextProjectDto], description: "The user's own projects (shared ones: GET /projects)" })
  projects_manifest: ContextProjectDto[];
  @ApiProperty({ type: ContextLastSessionDto, nullable: true, description: "The agent's newest session; null when none" })
  last_session: ContextLastSessionDto | null;
  @ApiProperty({ type: [ContextHandoffDto], description: 'Pending handoffs to the agent, oldest first (at most 50)' })
  pending_handoffs: ContextHandoffDto[];
  @ApiProperty({ type: [ContextHintDto], description: 'Hints you see (owned and shared), titles only' }) hints_compact: ContextHintDto[];
  @ApiProperty({ type: [ContextNudgeDto], description: 'Nudges due for a reminder; this read stamps them reminded' })
  actionable_nudges: ContextNudgeDto[];
  @ApiPropertyOptional({ type: ContextSessionDto, description: 'Only with ?start_session=true: the session this read started' })
  session?: ContextSessionDto;
  @ApiPropertyOptional({
    type: ContextPreviousSessionDto,
    nullable: true,
    description: 'Only with ?start_session=true: the session before it (null when none)',
  })
  previous_session?: ContextPreviousSessionDto | null;
}

/** GET /boot: the agent API's URLs (never carrying a key). */
export class BootEndpointsDto {
  @ApiProperty({ format: 'uri' }) time: string;
  @ApiProperty({ format: 'uri' }) whoami: string;
  @ApiProperty({ format: 'uri' }) context: string;
  @ApiProperty({ format: 'uri' }) always_load: string;
  @ApiProperty({ description: 'URL template with {pkid}' }) always_load_item: string;
  @ApiProperty({ format: 'uri' }) memories: string;
  @ApiProperty({ description: 'URL template with {pkid}' }) memory_item: string;
  @ApiProperty({ format: 'uri' }) preferences: string;
  @ApiProperty({ description: 'URL template with {pkid}' }) preference_item: string;
  @ApiProperty({ format: 'uri' }) preference_tree: string;
  @ApiProperty({ format: 'uri' }) handoffs: string;
  @ApiProperty({ description: 'URL template with {handoff_id}' }) handoff_item: string;
  @ApiProperty({ format: 'uri' }) handoffs_sent: string;
  @ApiProperty({ format: 'uri' }) session_start: string;
  @ApiProperty({ format: 'uri' }) session_last: string;
  @ApiProperty({ format: 'uri' }) mcp: string;
  @ApiProperty({ format: 'uri' }) docs: string;
}

export class BootDto {
  @ApiProperty({ example: 'lucy', description: 'The calling agent' }) agent: string;
  @ApiProperty({ type: BootEndpointsDto }) endpoints: BootEndpointsDto;
  @ApiProperty({ type: [TreeNodeDto], description: "The caller's always-load nodes in full" }) always_load: TreeNodeDto[];
}
