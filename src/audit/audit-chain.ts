import { createHash } from 'node:crypto';
import { lockForTransaction, tryLockForTransaction } from '../database/advisory-lock';
import type { EntityManager } from 'typeorm';

/**
 * The tamper-evident form of the audit trail. Each tenant's events form a
 * chain: link(n) = SHA-256(link(n-1) ‖ canonical(event n)), starting from 32
 * zero bytes (or, after retention pruned the start, from the anchor: the last
 * pruned link). Operator events outside any tenant form one more chain.
 */
export const GENESIS = Buffer.alloc(32);

/** The chain of operator events that belong to no tenant. */
export const OPERATOR_CHAIN = '00000000-0000-0000-0000-000000000000';

export const chainIdOf = (userId: string | null): string => userId ?? OPERATOR_CHAIN;

/** Selects an event (`e`) as its canonical text fields: exactly what the hash covers. */
export const CANONICAL_COLUMNS = `e.seq::text AS seq, e.id::text AS id, e.user_id::text AS user_id, e.agent_id::text AS agent_id,
  e.request_id, (extract(epoch FROM e.occurred_at) * 1000000)::bigint::text AS occurred_us, e.event_type, e.subject,
  e.scope, e.domain, e.purpose, e.purpose_class, e.memory_ids::text AS memory_ids, e.grant_id::text AS grant_id,
  e.reason_code, e.meta::text AS meta`;

export interface CanonicalEvent {
  seq: string;
  id: string;
  user_id: string | null;
  agent_id: string | null;
  request_id: string | null;
  occurred_us: string;
  event_type: string;
  subject: string | null;
  scope: string | null;
  domain: string | null;
  purpose: string | null;
  purpose_class: string | null;
  memory_ids: string | null;
  grant_id: string | null;
  reason_code: string | null;
  meta: string | null;
}

/**
 * Version 1 of the canonical encoding: a JSON array of every column in a fixed
 * order, each as PostgreSQL prints it (jsonb prints its keys in a fixed order,
 * timestamps as integer microseconds), so any change to a stored value changes it.
 */
function canonical(e: CanonicalEvent): string {
  return JSON.stringify([
    1,
    e.seq,
    e.id,
    e.user_id,
    e.agent_id,
    e.request_id,
    e.occurred_us,
    e.event_type,
    e.subject,
    e.scope,
    e.domain,
    e.purpose,
    e.purpose_class,
    e.memory_ids,
    e.grant_id,
    e.reason_code,
    e.meta,
  ]);
}

export function linkHash(previous: Buffer, event: CanonicalEvent): Buffer {
  return createHash('sha256').update(previous).update(canonical(event), 'utf8').digest();
}

/** Held while the chains change (sealing, pruning, erasing a tenant): one sealer at a time across replicas. */
export async function lockChains(em: EntityManager, wait: boolean): Promise<boolean> {
  if (!wait) return tryLockForTransaction(em, 'audit', 'chain');
  await lockForTransaction(em, 'audit', 'chain');
  return true;
}
