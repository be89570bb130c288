import { DynamicModule, Module } from '@nestjs/common';
import { AuditChainRepository } from './audit-chain.repository';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogService } from './audit-log.service';
import { AuditRetention } from './audit-retention';
import { AUDIT_SEALER_TIMER, AuditSealer } from './audit-sealer';
import { AuditController } from './audit.controller';
import { AuditTools } from './audit.tools';

/**
 * Reading and proving the audit trail. The service runs the sealer and the
 * retention in the background and serves /audit and the MCP tools; the CLI
 * (`background: false`) only verifies and seals on demand.
 */
@Module({})
export class AuditLogModule {
  static forRoot(options: { background: boolean }): DynamicModule {
    return {
      module: AuditLogModule,
      controllers: options.background ? [AuditController, AuditTools] : [],
      providers: [AuditLogService, AuditLogRepository, AuditChainRepository, AuditSealer, { provide: AUDIT_SEALER_TIMER, useValue: options.background }, ...(options.background ? [AuditRetention] : [])],
      exports: [AuditLogService, AuditSealer],
    };
  }
}
