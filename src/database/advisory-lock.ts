import { EntityManager } from 'typeorm';

/**
 * Holds a transaction-scoped advisory lock on (`scope`, `key`) until the
 * transaction ends: serialises the writers of one thing (an agent's tree, its
 * sessions) without locking rows that readers or other writers use.
 */
export async function lockForTransaction(em: EntityManager, scope: string, key: string): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, [scope, key]);
}
