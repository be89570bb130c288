import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { ManifestController, ManifestService } from './manifest';
import { TimeController } from './time.controller';
import { TimeService } from './time.service';
import { TimeTools } from './time.tools';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), DiscoveryModule],
  controllers: [ManifestController, HealthController, TimeController, TimeTools],
  providers: [TimeService, ManifestService],
  exports: [TimeService, ManifestService],
})
export class SystemModule {}
