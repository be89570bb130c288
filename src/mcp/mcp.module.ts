import { Controller, DynamicModule, Global, Module } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { MCP_HTTP_HANDLER, MCP_STRATEGY, StreamableHttpController } from '@rekog/mcp-nest';
import { Public } from '../common/auth/access.decorators';
import { IdentityModule } from '../identity/identity.module';
import { McpToolRunner } from './mcp-tool-runner';
import { createMcpServer } from './mcp.setup';

/**
 * POST /mcp (and /mcp/): JSON-RPC for MCP clients. Public at the HTTP level —
 * each tool call authenticates itself (McpToolRunner).
 */
@ApiExcludeController()
@Public()
@Controller('mcp')
export class McpHttpController extends StreamableHttpController {}

@Global()
@Module({})
export class McpModule {
  static forRoot(mcp: ReturnType<typeof createMcpServer>): DynamicModule {
    return {
      module: McpModule,
      imports: [IdentityModule],
      controllers: [McpHttpController],
      providers: [
        McpToolRunner,
        { provide: MCP_HTTP_HANDLER, useValue: mcp.transport.httpHandlers },
        { provide: MCP_STRATEGY, useValue: mcp.strategy },
      ],
      exports: [McpToolRunner, MCP_STRATEGY],
    };
  }
}
