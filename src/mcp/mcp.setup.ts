import type { INestApplication } from '@nestjs/common';
import { MCP_STRATEGY, McpStrategy, StreamableHttpTransport } from '@rekog/mcp-nest';
import { SERVICE_VERSION } from '../common/service-info';

export const MCP_ENDPOINT = '/mcp';
export const MCP_TRANSPORT_DESCRIPTION = 'Streamable HTTP (stateless, JSON responses)';

/**
 * What an MCP client is told at initialize (clients show it to the model): the
 * workflow, what each kind of memory is for, and how to authenticate. Kept under
 * 1,500 characters; the tool descriptions carry the details.
 */
export const MCP_INSTRUCTIONS = [
  'Mnemo keeps context and memory for you across conversations.',
  'Start every conversation with get_context: it returns the time, your always-load items, the titles of your memories, ' +
    'the preferences manifest, projects, your last session and handoffs waiting for you (start_session: true also records ' +
    'this session; full: true adds the always-load descriptions). Open other full texts with the get_* tools.',
  'Kinds of memory:',
  '- always-load: your identity and standing instructions, loaded every time.',
  '- agent memories: things you, this agent, learnt (create_memory).',
  "- preferences: the user's preferences, a tree by domain.",
  '- scoped memories: facts about a subject (a person), read only for an allowed purpose (read_scoped_memories, see ' +
    'get_policy); each read opens a grant the subject can have revoked (revoke_read_grant).',
  '- projects, wikis, hints: shared working knowledge of your user (and what other users share with it); nudges: reminders.',
  '- handoffs: pass work to another agent of your user (create_handoff); pick up yours with pickup_handoff.',
  '- secrets: credentials, encrypted, readable only by the agents allowed.',
  'Authentication: send your agent key as the X-Api-Key header or Authorization: Bearer on the connection, or pass it ' +
    'as the agent_key argument of each tool call. Failures come back as results with isError and {error: {code, message}}.',
].join('\n');

/**
 * The MCP server of an application instance (McpModule provides it):
 * stateless Streamable HTTP on POST /mcp (and /mcp/). The route is public at
 * the HTTP level: each tool call authenticates itself (McpToolRunner). Tools
 * are `@McpController` classes in feature folders, listed in their module's
 * `controllers` like REST controllers.
 */
export function createMcpStrategy(): McpStrategy {
  return new McpStrategy({
    name: 'mnemo',
    version: SERVICE_VERSION,
    instructions: MCP_INSTRUCTIONS,
    transports: [new StreamableHttpTransport({ endpoint: MCP_ENDPOINT, statefulMode: false })],
    logging: { level: ['error', 'warn'] },
  });
}

/**
 * Mounts /mcp on a created application, before init and listen (or /mcp has
 * no server behind it). The transport's route goes straight on Express, after
 * the request-id, logging and body-parsing middleware and outside Nest's
 * router, which costs an MCP call about a tenth of its time.
 */
export async function mountMcp(app: INestApplication): Promise<void> {
  const strategy = app.get<McpStrategy>(MCP_STRATEGY);
  strategy.setHttpAdapter(app.getHttpAdapter());
  app.connectMicroservice({ strategy }, { inheritAppConfig: true });
  await app.startAllMicroservices();
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
