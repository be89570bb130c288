import { Body, Controller, Delete, Get, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ApiProblem } from '../common/http/problem.dto';
import { ApiIdParam } from '../common/http/params.dto';
import { ParseId } from '../common/http/validation';
import { ShareByMeListDto, SharedDto, ShareDto, ShareLeftDto, ShareRevokedDto, ShareToMeListDto } from './sharing.dto';
import { SharingService } from './sharing.service';

@ApiTags('sharing')
@Controller('sharing')
export class SharingController {
  constructor(private readonly sharing: SharingService) {}

  @Post()
  @ApiOperation({
    operationId: 'shareObject',
    summary: 'Share a project, hint category or wiki you own with another user (again: changes the level, same share)',
    description: 'Answers 201 for a new share and 200 when an existing share to that user got the new level.',
  })
  @ApiCreatedResponse({ type: SharedDto, description: 'A new share' })
  @ApiOkResponse({ type: SharedDto, description: 'An existing share to that user, now at the new level' })
  @ApiProblem(404, 'Target user not found / Object not found or you are not the owner')
  @ApiProblem(422, 'object_type_id must be 1 (project), 2 (hint), or 3 (wiki)')
  async share(@CurrentCall() call: AgentCall, @Body() body: ShareDto, @Res({ passthrough: true }) res: Response) {
    const { created, shared } = await this.sharing.share(call, body);
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return { shared };
  }

  @Delete(':id')
  @ApiOperation({ operationId: 'deleteShare', summary: 'Revoke a share you made ({revoked}), or leave one made to you ({left})' })
  @ApiIdParam('id', 'The share (share_id), made by your user or to it')
  @ApiExtraModels(ShareRevokedDto, ShareLeftDto)
  @ApiOkResponse({
    description: '{revoked} when your user made the share, {left} when it was made to your user',
    schema: { oneOf: [{ $ref: getSchemaPath(ShareRevokedDto) }, { $ref: getSchemaPath(ShareLeftDto) }] },
  })
  @ApiProblem(404, 'Share not found')
  remove(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number) {
    return this.sharing.remove(call, id);
  }

  @Get('by-me')
  @ApiOperation({ operationId: 'listSharesByMe', summary: "Shares your user made, with the recipient's name and the object's title" })
  @ApiOkResponse({ type: ShareByMeListDto })
  byMe(@CurrentCaller() caller: Caller, @Query() page: PageQueryDto) {
    return this.sharing.byMe(caller, page);
  }

  @Get('to-me')
  @ApiOperation({ operationId: 'listSharesToMe', summary: "Shares made to your user, with the sharer's name and the object's title" })
  @ApiOkResponse({ type: ShareToMeListDto })
  toMe(@CurrentCaller() caller: Caller, @Query() page: PageQueryDto) {
    return this.sharing.toMe(caller, page);
  }
}
