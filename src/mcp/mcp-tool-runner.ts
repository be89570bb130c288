import { Injectable, Logger } from '@nestjs/common';
import type { McpContext } from '@rekog/mcp-nest';
import type { IncomingMessage } from 'node:http';
import { AgentCall, agentActor } from '../common/auth/actor';
import { Authenticator } from '../common/auth/authenticator';
import { toAppError } from '../common/errors/to-app-error';
import { lossyIntegersOf, refuseUnsafeJson } from '../common/http/json-guard';
import { JsonText } from '../common/http/json-text';
import { requestIdOf } from '../common/http/request-id';
import { ToolParams } from './tool-params';

/** A tool's JSON result with an image the assistant should see, sent as MCP image content after the JSON. */
export class WithImage {
  constructor(
    readonly body: Record<string, unknown>,
    readonly image: { data: Buffer; mimeType: string } | null,
  ) {}
}

export interface ToolResult {
  [key: string]: unknown;
  content: ({ type: 'text'; text: string } | { type: 'image'; data: string; mimeType: string })[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A tool call's arguments as the client sent them, from the parsed HTTP body
 * (the message, or in a batch the call with this JSON-RPC id). The SDK rebuilds
 * arguments key by key, and a top-level `__proto__` key becomes the new
 * object's prototype there: refused here, it would be dropped silently.
 */
function sentArguments(ctx: McpContext, body: unknown, tool: string | undefined): unknown[] {
  // The SDK's request context is the fifth context argument (McpContextArgs); its mcpReq.id is the JSON-RPC id.
  const id = (ctx.getArgByIndex(4) as { mcpReq?: { id?: unknown } } | undefined)?.mcpReq?.id;
  return (Array.isArray(body) ? body : [body])
    .filter((m) => isPlainObject(m) && m.method === 'tools/call' && isPlainObject(m.params) && m.params.name === tool)
    .filter((m, _i, calls) => calls.length === 1 || (m as { id?: unknown }).id === id)
    .map((m) => (m as { params: { arguments?: unknown } }).params.arguments ?? {});
}

/**
 * Runs one MCP tool call the same way for every tool: authenticate (the REST
 * headers and/or the `agent_key` argument), refuse unsafe JSON in the arguments
 * as sent, validate them, call the service, and shape the result — JSON as
 * text and as structuredContent (text only for a JsonText marked so, such as
 * the context), or an
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
    const tool = (ctx.mcpRequest.params as { name?: string } | undefined)?.name;
    try {
      const { agent_key: agentKey, ...input } = isPlainObject(args) ? args : {};
      const caller = await this.auth.callerFromToolCall(req, agentKey);
      if (req) req.caller = caller;
      const body = (req as { body?: unknown } | undefined)?.body;
      const lossyIntegers = lossyIntegersOf(body);
      const sent = sentArguments(ctx, body, tool);
      for (const raw of sent.length ? sent : [args]) refuseUnsafeJson(raw, lossyIntegers);
      const result = await handler(await params.parse(input), { caller, actor: agentActor(caller, requestId) });
      if (result instanceof WithImage) {
        const image = result.image && { type: 'image' as const, data: result.image.data.toString('base64'), mimeType: result.image.mimeType };
        return { content: [{ type: 'text', text: JSON.stringify(result.body) }, ...(image ? [image] : [])], structuredContent: result.body };
      }
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
        this.logger.error({ err, request_id: requestId, tool }, 'Tool failed');
      }
      const body = {
        error: { code: error.code, message: error.detail, ...(error.errors ? { errors: error.errors } : {}) },
      };
      return { content: [{ type: 'text', text: JSON.stringify(body) }], structuredContent: body, isError: true };
    }
  }
}
