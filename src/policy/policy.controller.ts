import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/access.decorators';
import { POLICY_MATRIX } from './policy.constants';
import { PolicyService } from './policy.service';

@ApiTags('memories')
@Public()
@Controller('policy')
export class PolicyController {
  constructor(private readonly policy: PolicyService) {}

  @Get()
  @ApiOperation({
    summary: 'The purpose policy: which purpose class may read which scope, and how purposes are classified',
  })
  @ApiOkResponse({ schema: { example: { matrix: POLICY_MATRIX, unmatched_purpose: 'deny' } } })
  get() {
    return this.policy.describe();
  }
}
