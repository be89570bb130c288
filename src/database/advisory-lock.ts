import { EntityManager } from 'typeorm';

/**
 * Holds a transaction-scoped advisory lock on (`scope`, `key`) until the
 * transaction ends: serialises the writers of one thing (an agent's tree, its
 * sessions) without locking rows that readers or other writers use.
 */
export async function lockForTransaction(em: EntityManager, scope: string, key: string): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, [scope, key]);
}

/** lockForTransaction without waiting: false when another transaction holds the lock. */
export async function tryLockForTransaction(em: EntityManager, scope: string, key: string): Promise<boolean> {
  const [row]: { locked: boolean }[] = await em.query(`SELECT pg_try_advisory_xact_lock(hashtext($1), hashtext($2)) AS locked`, [scope, key]);
  return row.locked;
}
