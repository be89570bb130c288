import { Injectable, Logger } from '@nestjs/common';
import type { McpContext } from '@rekog/mcp-nest';
import type { IncomingMessage } from 'node:http';
import { AgentCall, agentActor } from '../common/auth/actor';
import { Authenticator } from '../common/auth/authenticator';
import { toAppError } from '../common/errors/to-app-error';
import { JsonText } from '../common/http/json-text';
import { requestIdOf } from '../common/http/request-id';
import { ToolParams } from './tool-params';

export interface ToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Runs one MCP tool call the same way for every tool: authenticate (the
 * `agent_key` argument, else the REST headers), validate the arguments, call the
 * service, and shape the result — JSON as text and as structuredContent (text
 * only for a JsonText marked so, such as the context), or an
 * `isError` result carrying `{error: {code, message}}`. Internal failures are
 * logged with the request id and reported as "Internal server error".
 */
@Injectable()
export class McpToolRunner {
  private readonly logger = new Logger('McpTools');

  constructor(private readonly auth: Authenticator) {}

  async run<T>(
    ctx: McpContext,
    args: unknown,
    params: ToolParams<T>,
    handler: (input: T, call: AgentCall) => unknown,
  ): Promise<ToolResult> {
    const req = ctx.getRawRequest<IncomingMessage>();
    const requestId = requestIdOf(req);
    try {
      const { agent_key: agentKey, ...input } = isPlainObject(args) ? args : {};
      const caller =
        agentKey !== undefined || !req
          ? await this.auth.callerFromKey(agentKey)
          : await this.auth.callerFromRequest(req);
      if (req) req.caller = caller;
      const result = await handler(await params.parse(input), { caller, actor: agentActor(caller, requestId) });
      if (result instanceof JsonText) {
        const content: ToolResult['content'] = [{ type: 'text', text: result.json }];
        return result.textOnly ? { content } : { content, structuredContent: JSON.parse(result.json) as Record<string, unknown> };
      }
      return {
        content: [{ type: 'text', text: JSON.stringify(result) }],
        ...(isPlainObject(result) ? { structuredContent: result } : {}),
      };
    } catch (err) {
      const { error, internal } = toAppError(err);
      if (internal) {
        const tool = (ctx.mcpRequest.params as { name?: string } | undefined)?.name;
        this.logger.error({ err, request_id: requestId, tool }, 'Tool failed');
      }
      const body = {
        error: { code: error.code, message: error.detail, ...(error.errors ? { errors: error.errors } : {}) },
      };
      return { content: [{ type: 'text', text: JSON.stringify(body) }], structuredContent: body, isError: true };
    }
  }
}
