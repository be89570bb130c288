import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { PageQueryDto } from '../common/http/paging';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { deleteTool, readTool, writeTool } from '../mcp/tool-annotations';
import { toolParams } from '../mcp/tool-params';
import { SecretKeyArgs, SetSecretArgs } from './secrets.dto';
import { SecretsService } from './secrets.service';

const key = z.string().describe('Secret name: 1-200 characters of A-Z, a-z, 0-9, _, . and -');

const P = {
  page: toolParams({ limit: z.number().int().optional(), offset: z.number().int().optional() }, PageQueryDto),
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

  @Tool({ name: 'list_secrets', description: "Your user's secrets: names, readers and flags, never values.", parameters: P.page.advertised, annotations: readTool })
  listSecrets(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.page, (a, call) => this.secrets.list(call.caller, a));
  }

  @Tool({ name: 'get_secret', description: "A secret's value, if you are among its readers and it is not write-only. Audited.", parameters: P.key.advertised, annotations: readTool })
  getSecret(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.key, (a, call) => this.secrets.get(call, a.key));
  }

  @Tool({ name: 'set_secret', description: 'Create or replace a secret (encrypted at rest); optionally limit its readers or make it write-only.', parameters: P.set.advertised, annotations: writeTool })
  setSecret(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.set, async (a, call) => {
      const { created, saved } = await this.secrets.put(call, a.key, a);
      return { created, saved };
    });
  }

  @Tool({ name: 'delete_secret', description: 'Delete a secret.', parameters: P.key.advertised, annotations: deleteTool })
  deleteSecret(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.key, async (a, call) => {
      await this.secrets.remove(call, a.key);
      return { deleted: a.key };
    });
  }
}
