import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../common/auth/actor';
import { CurrentCaller } from '../common/auth/access.decorators';
import { whoami, WhoamiDto } from './whoami';

@ApiTags('identity')
@Controller('whoami')
export class WhoamiController {
  @Get()
  @ApiOperation({ operationId: 'getWhoami', summary: 'The agent and user the presented key belongs to' })
  @ApiOkResponse({ type: WhoamiDto })
  get(@CurrentCaller() caller: Caller): WhoamiDto {
    return whoami(caller);
  }
}
