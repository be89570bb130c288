import { Body, Controller, Delete, Get, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ApiProblem } from '../common/http/problem.dto';
import { ParseId } from '../common/http/validation';
import { ShareDto } from './sharing.dto';
import { SharingService } from './sharing.service';

const SHARED_EXAMPLE = { share_id: 5, object_type_id: 1, object_id: 12, shared_to_user_id: '7c0e…', shared_to_name: 'linus', permission_level: 2 };

@ApiTags('sharing')
@Controller('sharing')
export class SharingController {
  constructor(private readonly sharing: SharingService) {}

  @Post()
  @ApiOperation({
    summary: 'Share a project, hint category or wiki you own with another user (again: changes the level, same share)',
    description: 'Answers 201 for a new share and 200 when an existing share to that user got the new level.',
  })
  @ApiCreatedResponse({ schema: { example: { shared: SHARED_EXAMPLE } } })
  @ApiOkResponse({ schema: { example: { shared: SHARED_EXAMPLE } } })
  @ApiProblem(404, 'Target user not found / Object not found or you are not the owner')
  @ApiProblem(422, 'object_type_id must be 1 (project), 2 (hint), or 3 (wiki)')
  async share(@CurrentCall() call: AgentCall, @Body() body: ShareDto, @Res({ passthrough: true }) res: Response) {
    const { created, shared } = await this.sharing.share(call, body);
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return { shared };
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke a share you made ({revoked}), or leave one made to you ({left})' })
  @ApiOkResponse({ schema: { example: { revoked: 5 } } })
  @ApiProblem(404, 'Share not found')
  remove(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number) {
    return this.sharing.remove(call, id);
  }

  @Get('by-me')
  @ApiOperation({ summary: "Shares your user made, with the recipient's name and the object's title" })
  @ApiOkResponse({
    schema: {
      example: {
        shares: [{ share_id: 5, object_type_id: 1, object_type: 'project', object_id: 12, object_title: 'Mnemo', shared_to_user_id: '7c0e…', shared_to_name: 'linus', permission_level: 2 }],
        total: 1,
        limit: 200,
        offset: 0,
      },
    },
  })
  byMe(@CurrentCaller() caller: Caller, @Query() page: PageQueryDto) {
    return this.sharing.byMe(caller, page);
  }

  @Get('to-me')
  @ApiOperation({ summary: "Shares made to your user, with the sharer's name and the object's title" })
  @ApiOkResponse({
    schema: {
      example: {
        shares: [{ share_id: 5, object_type_id: 1, object_type: 'project', object_id: 12, object_title: 'Mnemo', shared_by_user_id: '1d2e…', shared_by_name: 'ada', permission_level: 2 }],
        total: 1,
        limit: 200,
        offset: 0,
      },
    },
  })
  toMe(@CurrentCaller() caller: Caller, @Query() page: PageQueryDto) {
    return this.sharing.toMe(caller, page);
  }
}
