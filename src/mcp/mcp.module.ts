import { DynamicModule, Global, Module } from '@nestjs/common';
import { MCP_STRATEGY } from '@rekog/mcp-nest';
import { IdentityModule } from '../identity/identity.module';
import { McpToolRunner } from './mcp-tool-runner';
import { createMcpServer } from './mcp.setup';

@Global()
@Module({})
export class McpModule {
  static forRoot(mcp: ReturnType<typeof createMcpServer>): DynamicModule {
    return {
      module: McpModule,
      imports: [IdentityModule],
      providers: [McpToolRunner, { provide: MCP_STRATEGY, useValue: mcp.strategy }],
      exports: [McpToolRunner, MCP_STRATEGY],
    };
  }
}
