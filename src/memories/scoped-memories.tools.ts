import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { IsUUID } from 'class-validator';
import { z } from 'zod';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { pageArgs } from '../mcp/tool-args';
import { toolParams } from '../mcp/tool-params';
import { SOURCES } from '../policy/policy.constants';
import { ScopedMemoriesService } from './scoped-memories.service';
import { domainArg as domain, scopeArg as scope, subjectArg as subject } from './scoped-memories.tool-args';
import { CreateMemoryDto, ListMemoriesQueryDto } from './scoped-memories.dto';

class DeleteMemoryArgs {
  @IsUUID('all', { message: 'id must be a UUID' }) id: string;
}

const CreateParams = toolParams(
  {
    user_id: subject,
    scope,
    domain,
    source: z.enum(SOURCES).describe('Where the memory comes from'),
    ttl_days: z.number().int().describe('Days until the memory expires (1-365)'),
    value_json: z
      .union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
      .describe(
        'likes_dislikes {"likes": [...], "dislikes": [...]}, rules_list ["..."], schedule_windows ' +
          '[{"start", "end", "day"}], boolean_flags {"flag": true}, attention_settings {"focus_mode": ...}, or kv_map {"key": value}',
      ),
  },
  CreateMemoryDto,
);
const ListParams = toolParams(
  {
    user_id: subject,
    scope: scope.optional(),
    domain: domain.describe('Only this sub-area; null: only memories without one; absent: every sub-area'),
    include_expired: z.boolean().optional().describe('Also list expired memories (default false)'),
    ...pageArgs,
  },
  ListMemoriesQueryDto,
);
const DeleteParams = toolParams({ id: z.string().describe('The memory id (a UUID)') }, DeleteMemoryArgs);

/** MCP tools over the same service as the /memory routes that store, list and delete (same DTOs, same audit). */
@McpController()
export class ScopedMemoriesTools {
  constructor(
    private readonly tools: McpToolRunner,
    private readonly memories: ScopedMemoriesService,
  ) {}

  @Tool({
    name: 'create_scoped_memory',
    description:
      'Store a structured fact about a subject (a person the assistant serves, named by user_id) in a scope: ' +
      'preferences, constraints, communication, accessibility, schedule or attention. It is normalized, expires ' +
      'after ttl_days, and is read back only for an allowed purpose (read_scoped_memories). Returns {id, user_id, ' +
      'scope, domain, created_at, expires_at}.',
    parameters: CreateParams.advertised,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  })
  create(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, CreateParams, (input, call) => this.memories.create(call, input));
  }

  @Tool({
    name: 'list_scoped_memories',
    description:
      "List a subject's stored memories raw, newest first, without a purpose (audited as MEMORY_LIST); to use them " +
      'in a conversation, read them for a purpose with read_scoped_memories instead. Returns {memories, total, ' +
      'limit, offset}.',
    parameters: ListParams.advertised,
    annotations: { readOnlyHint: true, openWorldHint: false },
  })
  list(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, ListParams, (input, call) => this.memories.list(call, input));
  }

  @Tool({
    name: 'delete_scoped_memory',
    description:
      'Delete one scoped memory by id. REST answers 204 with no body; this tool returns {deleted: id}.',
    parameters: DeleteParams.advertised,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  })
  async remove(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, DeleteParams, async (input, call) => {
      // As ParseUuid does for DELETE /memory/{id}: the id lowercased.
      const id = input.id.toLowerCase();
      await this.memories.remove(call, id);
      return { deleted: id };
    });
  }
}
