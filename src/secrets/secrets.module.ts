import { DynamicModule, Module } from '@nestjs/common';
import type { KeyRing } from './key-ring';
import { SecretsController } from './secrets.controller';
import { SecretsRepository } from './secrets.repository';
import { SECRET_KEY_RING, SecretsService } from './secrets.service';
import { SecretsTools } from './secrets.tools';

/** The secrets vault; `api: false` (the CLI) leaves out the REST routes and MCP tools. */
@Module({})
export class SecretsModule {
  static forRoot(ring: KeyRing | null, options: { api: boolean } = { api: true }): DynamicModule {
    return {
      module: SecretsModule,
      controllers: options.api ? [SecretsController, SecretsTools] : [],
      providers: [SecretsService, SecretsRepository, { provide: SECRET_KEY_RING, useValue: ring }],
      exports: [SecretsService],
    };
  }
}
