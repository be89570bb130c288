import { Module } from '@nestjs/common';
import { PolicyController } from './policy.controller';
import { PolicyService } from './policy.service';
import { PolicyTools } from './policy.tools';

/** The purpose policy of scoped reads: the decision and its published matrix (GET /policy, get_policy). */
@Module({
  controllers: [PolicyController, PolicyTools],
  providers: [PolicyService],
  exports: [PolicyService],
})
export class PolicyModule {}
