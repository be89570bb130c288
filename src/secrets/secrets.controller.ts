import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Put, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ApiProblem } from '../common/http/problem.dto';
import { ParseSecretKey, PutSecretDto } from './secrets.dto';
import { SECRET_NOT_FOUND, SECRET_UNDECRYPTABLE, SecretsService } from './secrets.service';

const META_EXAMPLE = { key: 'slack_token', created_at: '2026-11-22T03:00:00.000Z', updated_at: '2026-11-22T03:00:00.000Z', readers: ['lucy'], write_only: false };

/** Your user's encrypted secrets (AES-256-GCM, versioned keys), with per-agent readers and write-only values. */
@ApiTags('secrets')
@Controller('secrets')
export class SecretsController {
  constructor(private readonly secrets: SecretsService) {}

  @Get()
  @ApiOperation({ summary: "Your user's secrets, sorted by key: names, readers and flags, never values" })
  @ApiOkResponse({ schema: { example: { secrets: [META_EXAMPLE], total: 1, limit: 200, offset: 0 } } })
  list(@CurrentCaller() caller: Caller, @Query() page: PageQueryDto) {
    return this.secrets.list(caller, page);
  }

  @Get(':key')
  @ApiOperation({
    summary: 'Read a secret’s value (audited)',
    description: 'Only agents among the secret’s readers may read it, and write-only secrets are never returned. Every attempt is audited.',
  })
  @ApiOkResponse({ schema: { example: { key: 'slack_token', value: 'xoxb-…' } } })
  @ApiProblem(403, 'Secret is write-only / the calling agent is not among its readers')
  @ApiProblem(404, SECRET_NOT_FOUND)
  @ApiProblem(422, 'key must be 1-200 characters of A-Z, a-z, 0-9, _, . and -')
  @ApiProblem(500, SECRET_UNDECRYPTABLE)
  @ApiProblem(503, 'Secrets are unavailable: no encryption key is configured')
  get(@CurrentCall() call: AgentCall, @Param('key', ParseSecretKey) key: string) {
    return this.secrets.get(call, key);
  }

  @Put(':key')
  @ApiOperation({
    summary: 'Create (201) or replace (200) a secret; any agent of your user may write',
    description: 'The value is encrypted under the newest key with a fresh nonce. readers and write_only absent keep the stored settings when replacing.',
  })
  @ApiCreatedResponse({ schema: { example: { saved: META_EXAMPLE } } })
  @ApiOkResponse({ schema: { example: { saved: META_EXAMPLE } } })
  @ApiProblem(422, 'value must be at most 65536 bytes of UTF-8 / readers: your user has no agent named …')
  @ApiProblem(503, 'Secrets are unavailable: no encryption key is configured')
  async put(@CurrentCall() call: AgentCall, @Param('key', ParseSecretKey) key: string, @Body() body: PutSecretDto, @Res({ passthrough: true }) res: Response) {
    const { created, saved } = await this.secrets.put(call, key, body);
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return { saved };
  }

  @Delete(':key')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a secret' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblem(404, SECRET_NOT_FOUND)
  async remove(@CurrentCall() call: AgentCall, @Param('key', ParseSecretKey) key: string): Promise<void> {
    await this.secrets.remove(call, key);
  }
}
