import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { PageQueryDto } from '../common/http/paging';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { deleteTool, readTool, writeTool } from '../mcp/tool-annotations';
import { pageArgs } from '../mcp/tool-args';
import { toolParams } from '../mcp/tool-params';
import { SecretKeyArgs, SetSecretArgs } from './secrets.dto';
import { SecretsService } from './secrets.service';

const key = z.string().describe('Secret name: 1-200 characters of A-Z, a-z, 0-9, _, . and -');

const P = {
  page: toolParams(pageArgs, PageQueryDto),
  key: toolParams({ key }, SecretKeyArgs),
  set: toolParams(
    {
      key,
      value: z.string().describe('The value: UTF-8 text up to 64 KB; "" is valid'),
      readers: z.array(z.string()).nullable().optional().describe('Agent names that may read it; null: every agent of your user; absent: unchanged'),
      write_only: z.boolean().optional().describe('true: never returned by get_secret (for the service’s own integrations)'),
    },
    SetSecretArgs,
  ),
};

/** MCP tools for the secrets vault: the same service, rules and audit as /secrets. */
@McpController()
export class SecretsTools {
  constructor(
    private readonly tools: McpToolRunner,
    private readonly secrets: SecretsService,
  ) {}

  @Tool({
    name: 'list_secrets',
    description:
      "List your user's secrets (credentials kept encrypted for agents), sorted by key: names, readers and flags, " +
      'never values. Returns {secrets: [{key, created_at, updated_at, readers, write_only}], total, limit, offset}.',
    parameters: P.page.advertised,
    annotations: readTool,
  })
  listSecrets(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.page, (a, call) => this.secrets.list(call.caller, a));
  }

  @Tool({
    name: 'get_secret',
    description:
      "Read a secret's value, when you are among its readers and it is not write-only. Every attempt is audited. " +
      'Returns {key, value}.',
    parameters: P.key.advertised,
    annotations: readTool,
  })
  getSecret(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.key, (a, call) => this.secrets.get(call, a.key));
  }

  @Tool({
    name: 'set_secret',
    description:
      "Create or replace a secret (encrypted at rest); readers limits which of your user's agents may read it, " +
      'write_only keeps it from ever being returned. Returns {saved: {key, created_at, updated_at, readers, ' +
      'write_only}, created}: created is true for a new secret and false for a replaced one (REST tells them apart ' +
      'by 201 and 200).',
    parameters: P.set.advertised,
    annotations: writeTool,
  })
  setSecret(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.set, async (a, call) => {
      // REST tells created (201) from replaced (200) by status; a tool result has no status, so it says so in `created`.
      const { created, saved } = await this.secrets.put(call, a.key, a);
      return { saved, created };
    });
  }

  @Tool({
    name: 'delete_secret',
    description: 'Delete a secret. Returns {deleted: key}.',
    parameters: P.key.advertised,
    annotations: deleteTool,
  })
  deleteSecret(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.key, (a, call) => this.secrets.remove(call, a.key));
  }
}
