import { Module } from '@nestjs/common';
import { PolicyController } from './policy.controller';
import { PolicyInterceptor } from './policy.interceptor';
import { PolicyService } from './policy.service';

@Module({
  controllers: [PolicyController],
  providers: [PolicyService, PolicyInterceptor],
  exports: [PolicyService, PolicyInterceptor],
})
export class PolicyModule {}
