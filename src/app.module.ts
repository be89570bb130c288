import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { AuditLogModule } from './audit/audit-log.module';
import { AuditModule } from './audit/audit.module';
import { AccessGuard } from './common/auth/access.guard';
import { NestLogger } from './common/http/nest-logger';
import { ProblemFilter } from './common/http/problem.filter';
import { RequestValidationPipe } from './common/http/validation';
import { ConfigModule } from './config/config.module';
import { ContextModule } from './context/context.module';
import { DocumentsModule } from './documents/documents.module';
import { ImagingModule } from './imaging/imaging.module';
import { KnowledgeModule } from './knowledge/knowledge.module';
import { DatabaseModule } from './database/database.module';
import { IdentityApiModule, IdentityModule } from './identity/identity.module';
import { McpModule } from './mcp/mcp.module';
import { GrantsModule } from './grants/grants.module';
import { MemoriesModule } from './memories/memories.module';
import { SecretsModule } from './secrets/secrets.module';
import { SystemModule } from './system/system.module';
import type { AppConfig } from './config/config';
import type { KeyRing } from './secrets/key-ring';

/** The configuration with everything resolved at start-up (database, admin token, link secret, key ring). */
export type ResolvedConfig = AppConfig & {
  databaseUrl: string;
  adminToken: string;
  docLinkSecret: string;
  /** The secrets vault's keys; null keeps the vault sealed (secret routes answer 503). */
  secretKeyRing: KeyRing | null;
};

export interface AppModuleOptions {
  logger: Logger;
}

@Module({})
export class AppModule {
  static forRoot(config: ResolvedConfig, options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // The request logger is mounted first in bootstrap (before body parsing); this binds it to Nest's logger.
        LoggerModule.forRoot({ pinoHttp: { logger: options.logger }, useExisting: true }),
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(config.databaseUrl),
        AuditModule,
        IdentityModule,
        IdentityApiModule,
        McpModule.forRoot(),
        SystemModule,
        MemoriesModule,
        GrantsModule,
        ContextModule,
        KnowledgeModule,
        DocumentsModule,
        ImagingModule,
        SecretsModule.forRoot(config.secretKeyRing),
        AuditLogModule.forRoot({ background: true }),
      ],
      providers: [
        NestLogger,
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useClass: RequestValidationPipe },
      ],
    };
  }
}
