import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/access.decorators';
import { PolicyDto } from './policy.dto';
import { PolicyService } from './policy.service';

@ApiTags('memories')
@Public()
@Controller('policy')
export class PolicyController {
  constructor(private readonly policy: PolicyService) {}

  @Get()
  @ApiOperation({
    operationId: 'getPolicy',
    summary: 'The purpose policy: which purpose class may read which scope, and how purposes are classified',
  })
  @ApiOkResponse({ type: PolicyDto })
  get(): PolicyDto {
    return this.policy.describe();
  }
}
