import { McpStrategy, StreamableHttpTransport } from '@rekog/mcp-nest';
import { SERVICE_VERSION } from '../system/service-info';

export const MCP_ENDPOINT = '/mcp';
export const MCP_TRANSPORT_DESCRIPTION = 'Streamable HTTP (stateless, JSON responses)';

/**
 * One MCP server per application instance: stateless Streamable HTTP on
 * POST /mcp (and /mcp/). The transport mounts its route straight on Express,
 * after the request-id, logging and body-parsing middleware and outside Nest's
 * router, which costs an MCP call about a tenth of its time. The route is public
 * at the HTTP level: each tool call authenticates itself (McpToolRunner). Tools
 * are `@McpController` classes in feature folders.
 */
export function createMcpServer() {
  const transport = new StreamableHttpTransport({ endpoint: MCP_ENDPOINT, statefulMode: false });
  const strategy = new McpStrategy({
    name: 'mnemo',
    version: SERVICE_VERSION,
    instructions:
      'Mnemo keeps context and memory across conversations. Every tool accepts agent_key; ' +
      'it may be omitted when the connection sends X-Api-Key or Authorization: Bearer.',
    transports: [transport],
    logging: { level: ['error', 'warn'] },
  });
  return { transport, strategy };
}

/** Names of the tools a started strategy serves, read from its live handler registry. */
export function registeredToolNames(strategy: McpStrategy): string[] {
  const names: string[] = [];
  for (const handler of strategy.getHandlers().values()) {
    const extras = (handler as { extras?: { mcpType?: string; mcpName?: string } }).extras;
    if (extras?.mcpType === 'tool' && extras.mcpName) names.push(extras.mcpName);
  }
  return names.sort();
}
