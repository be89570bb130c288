import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { IsUUID } from 'class-validator';
import { z } from 'zod';
import { ContinueReadDto, ReadMemoryDto, TokenDto } from '../grants/grant.dto';
import { ScopedReadsService } from '../grants/scoped-reads.service';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { toolParams } from '../mcp/tool-params';
import { PURPOSE_CLASSES, SCOPES, SOURCES } from '../policy/policy.constants';
import { PolicyService } from '../policy/policy.service';
import { MemoriesService } from './memories.service';
import { CreateMemoryDto, ListMemoriesQueryDto } from './memory.dto';

class DeleteMemoryArgs {
  @IsUUID('all', { message: 'id must be a UUID' }) id: string;
}

const subject = z.string().describe("The subject the memory is about (letters, digits, _ - . @ :), e.g. 'user_123'");
const scope = z.enum(SCOPES).describe('The scope');
const domain = z.string().nullable().optional().describe('Optional sub-area (e.g. "food"); reads match it exactly');
const maxAgeDays = z.number().int().min(1).nullable().optional().describe('Only memories created within this many days');

const CreateParams = toolParams(
  {
    user_id: subject,
    scope,
    domain,
    source: z.enum(SOURCES),
    ttl_days: z.number().int().min(1).max(365).describe('Days until the memory expires'),
    value_json: z
      .union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
      .describe(
        'likes_dislikes {"likes": [...], "dislikes": [...]}, rules_list ["..."], schedule_windows ' +
          '[{"start", "end", "day"}], boolean_flags {"flag": true}, attention_settings {"focus_mode": ...}, or kv_map {"key": value}',
      ),
  },
  CreateMemoryDto,
);
const ReadParams = toolParams(
  {
    user_id: subject,
    scope,
    domain,
    purpose: z.string().max(1000).optional().describe('Why you read (audited); classified unless purpose_class is given'),
    purpose_class: z.enum(PURPOSE_CLASSES).optional().describe('The purpose class, named explicitly'),
    max_age_days: maxAgeDays,
  },
  ReadMemoryDto,
);
const ContinueParams = toolParams(
  { revocation_token: z.string().describe('The token a read returned'), max_age_days: maxAgeDays },
  ContinueReadDto,
);
const RevokeParams = toolParams({ revocation_token: z.string().describe('The token to revoke') }, TokenDto);
const ListParams = toolParams(
  {
    user_id: subject,
    scope: scope.optional(),
    domain,
    include_expired: z.boolean().optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    offset: z.number().int().min(0).optional(),
  },
  ListMemoriesQueryDto,
);
const DeleteParams = toolParams({ id: z.string().describe('The memory id') }, DeleteMemoryArgs);
const NoParams = toolParams({});

/** MCP tools over the same services as the /memory routes (same DTOs, same policy, same audit). */
@McpController()
export class ScopedMemoryTools {
  constructor(
    private readonly tools: McpToolRunner,
    private readonly memories: MemoriesService,
    private readonly reads: ScopedReadsService,
    private readonly policy: PolicyService,
  ) {}

  @Tool({
    name: 'create_scoped_memory',
    description: 'Store a structured memory about a subject in a scope (preferences, constraints, communication, accessibility, schedule, attention).',
    parameters: CreateParams.advertised,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  })
  create(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, CreateParams, (input, call) => this.memories.create(call, input));
  }

  @Tool({
    name: 'read_scoped_memories',
    description:
      'Read the merged memories of a subject and scope for a declared purpose. Allowed only when the purpose ' +
      'class may read that scope (see get_policy). Returns a summary and a revocation token.',
    parameters: ReadParams.advertised,
    annotations: { readOnlyHint: false, openWorldHint: false },
  })
  read(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, ReadParams, async (input, call) => {
      const authorization = await this.policy.authorizeRead(call, {
        subject: input.user_id,
        scope: input.scope,
        domain: input.domain ?? null,
        purpose: input.purpose ?? null,
        purposeClass: input.purpose_class,
      });
      return this.reads.read(call, authorization, input);
    });
  }

  @Tool({
    name: 'continue_scoped_read',
    description: 'Read again under an earlier read’s revocation token (fails with REVOKED once revoked or expired).',
    parameters: ContinueParams.advertised,
    annotations: { readOnlyHint: false, openWorldHint: false },
  })
  continueRead(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, ContinueParams, (input, call) =>
      this.reads.continueRead(call, input.revocation_token, input.max_age_days),
    );
  }

  @Tool({
    name: 'revoke_read_grant',
    description: 'Revoke a read grant by its revocation token; later continues fail.',
    parameters: RevokeParams.advertised,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  })
  revoke(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, RevokeParams, (input, call) => this.reads.revoke(call, input.revocation_token));
  }

  @Tool({
    name: 'list_scoped_memories',
    description: "A subject's stored memories, raw and newest first (audited).",
    parameters: ListParams.advertised,
    annotations: { readOnlyHint: true, openWorldHint: false },
  })
  list(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, ListParams, (input, call) => this.memories.list(call, input));
  }

  @Tool({
    name: 'delete_scoped_memory',
    description: 'Delete one scoped memory by id.',
    parameters: DeleteParams.advertised,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  })
  async remove(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, DeleteParams, async (input, call) => {
      await this.memories.remove(call, input.id);
      return { deleted: true, id: input.id };
    });
  }

  @Tool({
    name: 'get_policy',
    description: 'The purpose policy: which purpose class may read which scope, and how free-text purposes are classified.',
    parameters: NoParams.advertised,
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  })
  getPolicy(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, NoParams, () => this.policy.describe());
  }
}
