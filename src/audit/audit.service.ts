import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../common/auth/actor';
import { AuditEventInput, AuditEventsRepository } from './audit-events.repository';

/** The audit trail's writer for services. A change and its event commit together or not at all. */
@Injectable()
export class AuditService {
  constructor(private readonly events: AuditEventsRepository) {}

  /**
   * Records an event with the caller's transaction manager, so the change and its
   * event commit together: if this insert fails, the whole change rolls back.
   */
  record(em: EntityManager, actor: Actor, event: AuditEventInput): Promise<void> {
    return this.events.insert(em, actor, event);
  }

  /**
   * Erases a tenant's trail with the tenant (an operator's user deletion): its
   * events, its chain links and anchor.
   */
  eraseTenant(em: EntityManager, userId: string): Promise<void> {
    return this.events.eraseTenant(em, userId);
  }
}
