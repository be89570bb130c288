import { Body, Controller, Delete, Get, HttpStatus, Param, Put, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ApiProblem } from '../common/http/problem.dto';
import { ParseSecretKey, PutSecretDto, SavedSecretDto, SECRET_KEY_PATTERN, SECRET_KEY_RULE, SecretListDto, SecretValueDto } from './secrets.dto';
import { SECRET_NOT_FOUND, SECRET_UNDECRYPTABLE, SecretsService } from './secrets.service';
import { DeletedKeyDto } from '../common/http/deleted.dto';

/** `{key}`: the secret's name, checked by ParseSecretKey. */
const ApiSecretKeyParam = () =>
  ApiParam({
    name: 'key',
    description: `The secret's name: ${SECRET_KEY_RULE.slice('key must be '.length)}`,
    schema: { type: 'string', pattern: SECRET_KEY_PATTERN.source, minLength: 1, maxLength: 200 },
  });

/** Your user's encrypted secrets (AES-256-GCM, versioned keys), with per-agent readers and write-only values. */
@ApiTags('secrets')
@Controller('secrets')
export class SecretsController {
  constructor(private readonly secrets: SecretsService) {}

  @Get()
  @ApiOperation({ operationId: 'listSecrets', summary: "Your user's secrets, sorted by key: names, readers and flags, never values" })
  @ApiOkResponse({ type: SecretListDto })
  list(@CurrentCaller() caller: Caller, @Query() page: PageQueryDto) {
    return this.secrets.list(caller, page);
  }

  @Get(':key')
  @ApiOperation({
    operationId: 'getSecret',
    summary: 'Read a secret’s value (audited)',
    description: 'Only agents among the secret’s readers may read it, and write-only secrets are never returned. Every attempt is audited.',
  })
  @ApiSecretKeyParam()
  @ApiOkResponse({ type: SecretValueDto })
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
    operationId: 'putSecret',
    summary: 'Create (201) or replace (200) a secret; any agent of your user may write',
    description: 'The value is encrypted under the newest key with a fresh nonce. readers and write_only absent keep the stored settings when replacing.',
  })
  @ApiSecretKeyParam()
  @ApiCreatedResponse({ type: SavedSecretDto, description: 'Created' })
  @ApiOkResponse({ type: SavedSecretDto, description: 'Replaced' })
  @ApiProblem(422, 'value must be at most 65536 bytes of UTF-8 / readers: your user has no agent named …')
  @ApiProblem(503, 'Secrets are unavailable: no encryption key is configured')
  async put(@CurrentCall() call: AgentCall, @Param('key', ParseSecretKey) key: string, @Body() body: PutSecretDto, @Res({ passthrough: true }) res: Response) {
    const { created, saved } = await this.secrets.put(call, key, body);
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return { saved };
  }

  @Delete(':key')
  @ApiOperation({ operationId: 'deleteSecret', summary: "Delete a secret (LucyAPI's answer: {deleted: key})" })
  @ApiSecretKeyParam()
  @ApiOkResponse({ type: DeletedKeyDto })
  @ApiProblem(404, SECRET_NOT_FOUND)
  remove(@CurrentCall() call: AgentCall, @Param('key', ParseSecretKey) key: string): Promise<DeletedKeyDto> {
    return this.secrets.remove(call, key);
  }
}
