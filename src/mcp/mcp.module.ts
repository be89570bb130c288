import { DynamicModule, Global, Module } from '@nestjs/common';
import { MCP_STRATEGY } from '@rekog/mcp-nest';
import { McpToolRunner } from './mcp-tool-runner';
import { createMcpStrategy } from './mcp.setup';

/** The MCP server (mounted by mountMcp) and the runner every tool call goes through. */
@Global()
@Module({})
export class McpModule {
  static forRoot(): DynamicModule {
    return {
      module: McpModule,
      providers: [McpToolRunner, { provide: MCP_STRATEGY, useFactory: createMcpStrategy }],
      exports: [McpToolRunner, MCP_STRATEGY],
    };
  }
}
