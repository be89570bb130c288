import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { toolParams } from '../mcp/tool-params';
import { domainArg, maxAgeDaysArg, scopeArg, subjectArg, subjectParams } from '../memories/scoped-memories.tool-args';
import { PURPOSE_CLASSES } from '../policy/policy.constants';
import { ContinueReadDto, ReadMemoryDto, RevokeGrantDto } from './scoped-reads.dto';
import { ScopedReadsService } from './scoped-reads.service';

const ReadParams = toolParams(
  {
    user_id: subjectArg,
    scope: scopeArg,
    domain: domainArg,
    purpose: z.string().optional().describe('Why you read (audited); classified unless purpose_class is given'),
    purpose_class: z.enum(PURPOSE_CLASSES).optional().describe('The purpose class, named explicitly'),
    max_age_days: maxAgeDaysArg,
  },
  ReadMemoryDto,
);
const ContinueParams = toolParams(
  { revocation_token: z.string().describe('The token a read returned'), max_age_days: maxAgeDaysArg },
  ContinueReadDto,
);
const RevokeParams = toolParams(
  {
    revocation_token: z.string().optional().describe('The token a read returned (give this or grant_id)'),
    grant_id: z.string().optional().describe('The grant id from list_read_grants (give this or revocation_token)'),
  },
  RevokeGrantDto,
);

/** MCP tools over the same service as the /memory read and grant routes (same DTOs, same policy, same audit). */
@McpController()
export class ScopedReadsTools {
  constructor(
    private readonly tools: McpToolRunner,
    private readonly reads: ScopedReadsService,
  ) {}

  @Tool({
    name: 'read_scoped_memories',
    description:
      'Read what is known about a subject in one scope, merged into a summary, for a declared purpose (free text, ' +
      "or purpose_class). Allowed only when the purpose's class may read that scope (see get_policy); a denial is " +
      'audited. Each read opens a revocable grant. Returns {summary_text, summary_struct, confidence, ' +
      'revocation_token, expires_at}.',
    parameters: ReadParams.advertised,
    annotations: { readOnlyHint: false, openWorldHint: false },
  })
  read(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, ReadParams, async (input, call) =>
      this.reads.read(call, await this.reads.authorize(call, input), input),
    );
  }

  @Tool({
    name: 'continue_scoped_read',
    description:
      "Read again under an earlier read's revocation_token (new memories included), without declaring the purpose " +
      'again; fails with REVOKED once the grant is revoked or expired. Returns {summary_text, summary_struct, ' +
      'confidence, revocation_token, expires_at}.',
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
    description:
      'Revoke one read grant, by its revocation token or by the id list_read_grants shows (e.g. when the subject ' +
      'withdraws consent): no continue_scoped_read succeeds afterwards. Returns {revoked: true, revoked_at}; a grant ' +
      'already revoked is a conflict error saying since when.',
    parameters: RevokeParams.advertised,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  })
  revoke(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, RevokeParams, (input, call) => this.reads.revoke(call, input));
  }

  @Tool({
    name: 'list_read_grants',
    description:
      "List a subject's active read grants (neither revoked nor expired), newest first: who read which scope for " +
      'which purpose, and until when. Never shows a token. Returns {grants}.',
    parameters: subjectParams.advertised,
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  })
  listGrants(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, subjectParams, (input, call) => this.reads.listGrants(call, input.user_id));
  }

  @Tool({
    name: 'revoke_all_read_grants',
    description:
      'Revoke every active read grant about a subject at once (audited): no continue succeeds afterwards. Returns ' +
      '{revoked: count}.',
    parameters: subjectParams.advertised,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  })
  revokeAll(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, subjectParams, (input, call) => this.reads.revokeAll(call, input.user_id));
  }
}
