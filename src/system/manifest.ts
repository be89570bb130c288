import { Controller, Get, Inject, Injectable } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags, OpenAPIObject } from '@nestjs/swagger';
import { McpStrategy, MCP_STRATEGY } from '@rekog/mcp-nest';
import { Public } from '../common/auth/access.decorators';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { MCP_ENDPOINT, MCP_TRANSPORT_DESCRIPTION, registeredToolNames } from '../mcp/mcp.setup';
import { ACCESS_EXTENSION } from './openapi';
import { SERVICE_DESCRIPTION, SERVICE_NAME, SERVICE_VERSION } from '../common/service-info';

class ManifestEndpointDto {
  @ApiProperty({ example: 'GET' }) method: string;
  @ApiProperty({ example: '/whoami' }) path: string;
  @ApiProperty({ enum: ['public', 'optional-agent', 'agent', 'admin'] }) auth: string;
  @ApiProperty({ example: 'The agent and user the presented key belongs to' }) summary: string;
}

class ManifestMcpDto {
  @ApiProperty({ example: MCP_ENDPOINT }) endpoint: string;
  @ApiProperty({ example: MCP_TRANSPORT_DESCRIPTION }) transport: string;
  @ApiProperty({ example: 'agent_key argument, or X-Api-Key / Authorization: Bearer header' }) auth: string;
  @ApiProperty({ example: 2, description: 'Number of registered tools' }) tools: number;
  @ApiProperty({ example: ['get_time', 'whoami'] }) tool_names: string[];
}

class ManifestAuthDto {
  @ApiProperty() agent: string;
  @ApiProperty() admin: string;
  @ApiProperty() query_keys: boolean;
}

export class ManifestDto {
  @ApiProperty({ example: SERVICE_NAME }) service: string;
  @ApiProperty({ example: SERVICE_VERSION }) version: string;
  @ApiProperty() description: string;
  @ApiProperty({ example: '/docs' }) docs: string;
  @ApiProperty({ example: '/docs-json' }) openapi: string;
  @ApiProperty() auth: ManifestAuthDto;
  @ApiProperty() mcp: ManifestMcpDto;
  @ApiProperty({ type: [ManifestEndpointDto] }) endpoints: ManifestEndpointDto[];
}

/** Builds `GET /` from the live OpenAPI document and MCP registry — never by hand. */
@Injectable()
export class ManifestService {
  private openApi?: OpenAPIObject;
  private manifest?: ManifestDto;

  constructor(
    @Inject(MCP_STRATEGY) private readonly mcp: McpStrategy,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  useOpenApi(document: OpenAPIObject): void {
    this.openApi = document;
    this.manifest = undefined;
  }

  get(): ManifestDto {
    return (this.manifest ??= this.build());
  }

  private build(): ManifestDto {
    const endpoints: ManifestEndpointDto[] = [];
    for (const [path, item] of Object.entries(this.openApi?.paths ?? {})) {
      for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
        const op = item[method] as (Record<string, unknown> & { summary?: string }) | undefined;
        if (!op) continue;
        endpoints.push({
          method: method.toUpperCase(),
          path,
          auth: typeof op[ACCESS_EXTENSION] === 'string' ? op[ACCESS_EXTENSION] : 'agent',
          summary: op.summary ?? '',
        });
      }
    }
    const tools = registeredToolNames(this.mcp);
    return {
      service: SERVICE_NAME,
      version: SERVICE_VERSION,
      description: SERVICE_DESCRIPTION,
      docs: '/docs',
      openapi: '/docs-json',
      auth: {
        agent: 'X-Api-Key: <key> or Authorization: Bearer <key>',
        admin: 'Authorization: Bearer <MNEMO_ADMIN_TOKEN> on /admin/*',
        query_keys: this.config.allowQueryKeys,
      },
      mcp: {
        endpoint: MCP_ENDPOINT,
        transport: MCP_TRANSPORT_DESCRIPTION,
        auth: 'agent_key argument, or X-Api-Key / Authorization: Bearer header',
        tools: tools.length,
        tool_names: tools,
      },
      endpoints,
    };
  }
}

@ApiTags('system')
@Public()
@Controller()
export class ManifestController {
  constructor(private readonly manifest: ManifestService) {}

  @Get()
  @ApiOperation({ summary: 'Service manifest: every documented route and the MCP tool count' })
  @ApiOkResponse({ type: ManifestDto })
  get(): ManifestDto {
    return this.manifest.get();
  }
}
