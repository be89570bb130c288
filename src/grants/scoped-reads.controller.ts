import { Body, Controller, Get, HttpCode, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall } from '../common/auth/actor';
import { CurrentCall } from '../common/auth/access.decorators';
import { ApiProblem } from '../common/http/problem.dto';
import { SubjectBodyDto, SubjectQueryDto } from '../memories/scoped-memories.dto';
import { AuthorizedReadBody, PolicyInterceptor, type AuthorizedRead } from './policy.interceptor';
import {
  ContinueReadDto,
  GrantListDto,
  ReadMemoryDto,
  ReadResultDto,
  RevokedCountDto,
  RevokedDto,
  RevokeGrantDto,
} from './scoped-reads.dto';
import { ScopedReadsService } from './scoped-reads.service';

@ApiTags('memories')
@Controller('memory')
export class ScopedReadsController {
  constructor(private readonly reads: ScopedReadsService) {}

  @Post('read')
  @HttpCode(200)
  @UseInterceptors(PolicyInterceptor)
  @ApiOperation({
    operationId: 'readScopedMemories',
    summary: 'Read the merged memories of a scope for a purpose (policy-gated; issues a revocation token)',
  })
  @ApiBody({ type: ReadMemoryDto })
  @ApiOkResponse({ type: ReadResultDto })
  @ApiProblem(403, "Purpose class '<class>' not allowed for scope '<scope>', or the purpose matches no class")
  read(@CurrentCall() call: AgentCall, @AuthorizedReadBody() read: AuthorizedRead): Promise<ReadResultDto> {
    return this.reads.read(call, read.authorization, read.body);
  }

  @Post('read/continue')
  @HttpCode(200)
  @ApiOperation({ operationId: 'continueScopedRead', summary: 'Read again under a grant (new memories included) until it is revoked or expires' })
  @ApiOkResponse({ type: ReadResultDto })
  @ApiProblem(403, 'REVOKED (the grant was revoked or has expired), or the policy now denies it')
  @ApiProblem(404, 'Revocation token not found')
  continueRead(@CurrentCall() call: AgentCall, @Body() body: ContinueReadDto): Promise<ReadResultDto> {
    return this.reads.continueRead(call, body.revocation_token, body.max_age_days);
  }

  @Post('revoke')
  @HttpCode(200)
  @ApiOperation({ operationId: 'revokeReadGrant', summary: 'Revoke a read grant, by its revocation token or by its id (GET /memory/grants): no continue succeeds after this answers' })
  @ApiOkResponse({ type: RevokedDto })
  @ApiProblem(404, 'Revocation token not found, or Grant not found')
  @ApiProblem(409, 'Grant already revoked at <time>')
  revoke(@CurrentCall() call: AgentCall, @Body() body: RevokeGrantDto): Promise<RevokedDto> {
    return this.reads.revoke(call, body);
  }

  @Post('revoke-all')
  @HttpCode(200)
  @ApiOperation({ operationId: 'revokeAllReadGrants', summary: 'Revoke every active read grant about a subject' })
  @ApiOkResponse({ type: RevokedCountDto })
  revokeAll(@CurrentCall() call: AgentCall, @Body() body: SubjectBodyDto): Promise<RevokedCountDto> {
    return this.reads.revokeAll(call, body.user_id);
  }

  @Get('grants')
  @ApiOperation({ operationId: 'listReadGrants', summary: "A subject's active read grants (never tokens)" })
  @ApiOkResponse({ type: GrantListDto })
  grants(@CurrentCall() call: AgentCall, @Query() query: SubjectQueryDto): Promise<GrantListDto> {
    return this.reads.listGrants(call, query.user_id);
  }
}
