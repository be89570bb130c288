import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CANONICAL_COLUMNS, CanonicalEvent, OPERATOR_CHAIN } from './audit-chain';

/** A chain link next to the event over the same seq (either may be missing: verify reports it). */
export interface LinkedEventRow extends CanonicalEvent {
  link_seq: string | null;
  link: Buffer | null;
  /** The seq this batch covers through. */
  bound: string;
}

/** How far a pruning batch goes: the newest event older than the cutoff, and the seq it prunes through. */
export interface PruneBounds {
  old: string | null;
  through: string | null;
}

/** Events of a chain (`$1` is the chain id, which for the operator chain no event carries). */
const eventsOfChain = (chainId: string) => (chainId === OPERATOR_CHAIN ? 'e.user_id IS NULL AND $1::uuid IS NOT NULL' : 'e.user_id = $1');

/** The statements of the hash chains: sealing (AuditSealer), verification (AuditLogService) and pruning (AuditRetention). */
@Injectable()
export class AuditChainRepository {
  async sealedThrough(em: EntityManager, forUpdate = false): Promise<number> {
    const [state]: { sealed_through_seq: string }[] = await em.query(
      `SELECT sealed_through_seq FROM audit_seal_state${forUpdate ? ' FOR UPDATE' : ''}`,
    );
    return Number(state.sealed_through_seq);
  }

  async setSealedThrough(em: EntityManager, seq: number): Promise<void> {
    await em.query(`UPDATE audit_seal_state SET sealed_through_seq = $1`, [seq]);
  }

  /** The last seq handed out, then (in that order) the transactions in flight. */
  async horizon(em: EntityManager): Promise<{ seq: number; xip: string[] }> {
    const [seq]: { last_value: string; is_called: boolean }[] = await em.query(`SELECT last_value, is_called FROM audit_event_seq`);
    const [snapshot]: { xip: string[] }[] = await em.query(`SELECT array(SELECT pg_snapshot_xip(pg_current_snapshot()))::text[] AS xip`);
    return { seq: Number(seq.last_value) - (seq.is_called ? 0 : 1), xip: snapshot.xip };
  }

  /** Whether every listed transaction has ended. */
  async transactionsEnded(em: EntityManager, xip: string[]): Promise<boolean> {
    const [row]: { ended: boolean }[] = await em.query(
      `SELECT bool_and(coalesce(pg_xact_status(x::xid8), 'committed') <> 'in progress') AS ended FROM unnest($1::text[]) x`,
      [xip],
    );
    return row.ended;
  }

  /** The events with from < seq <= to, in seq order, in their canonical form. */
  eventsBetween(em: EntityManager, from: number, to: number): Promise<CanonicalEvent[]> {
    return em.query(`SELECT ${CANONICAL_COLUMNS} FROM audit_events e WHERE e.seq > $1 AND e.seq <= $2 ORDER BY e.seq, e.id`, [from, to]);
  }

  /** Each chain's head hash: its last link, else its anchor, else null (a new chain). */
  chainHeads(em: EntityManager, chainIds: string[]): Promise<{ chain_id: string; hash: Buffer | null }[]> {
    return em.query(
      `SELECT c.id::text AS chain_id,
              coalesce((SELECT hash FROM audit_chain WHERE chain_id = c.id ORDER BY seq DESC LIMIT 1),
                       (SELECT hash FROM audit_chain_anchors WHERE chain_id = c.id)) AS hash
         FROM unnest($1::uuid[]) AS c(id)`,
      [chainIds],
    );
  }

  async insertLinks(em: EntityManager, links: { seq: string; chainId: string; hashHex: string }[]): Promise<void> {
    await em.query(
      `INSERT INTO audit_chain (seq, chain_id, hash)
       SELECT seq, chain_id, decode(hash, 'hex') FROM unnest($1::bigint[], $2::uuid[], $3::text[]) AS l(seq, chain_id, hash)
       ON CONFLICT (seq) DO NOTHING`,
      [links.map((l) => l.seq), links.map((l) => l.chainId), links.map((l) => l.hashHex)],
    );
  }

  async anchor(em: EntityManager, chainId: string): Promise<{ seq: string; hash: Buffer } | undefined> {
    const [anchor]: { seq: string; hash: Buffer }[] = await em.query(`SELECT seq, hash FROM audit_chain_anchors WHERE chain_id = $1`, [chainId]);
    return anchor;
  }

  /** The lowest seq of the chain's events at or below `seq` (null when none). */
  async firstEventAtOrBelow(em: EntityManager, chainId: string, seq: number): Promise<string | null> {
    const [below]: { seq: string | null }[] = await em.query(
      `SELECT min(e.seq)::text AS seq FROM audit_events e WHERE ${eventsOfChain(chainId)} AND e.seq <= $2`,
      [chainId, seq],
    );
    return below.seq;
  }

  /** The chain's next `batch` links after `after` (through `through`) beside the events over the same seq range. */
  linkedEvents(em: EntityManager, chainId: string, after: number, through: number, batch: number): Promise<LinkedEventRow[]> {
    return em.query(
      `WITH c AS (SELECT seq, hash FROM audit_chain WHERE chain_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT ${batch}),
            bound AS (SELECT CASE WHEN count(*) < ${batch} THEN $3 ELSE max(seq) END AS b FROM c),
            e AS (SELECT ${CANONICAL_COLUMNS} FROM audit_events e
                   WHERE ${eventsOfChain(chainId)} AND e.seq > $2 AND e.seq <= (SELECT b FROM bound))
       SELECT e.*, c.seq::text AS link_seq, c.hash AS link, (SELECT b FROM bound)::text AS bound
         FROM c FULL JOIN e ON e.seq::bigint = c.seq
        ORDER BY coalesce(c.seq, e.seq::bigint)`,
      [chainId, after, through],
    );
  }

  /** LEAST skips NULLs: with no event older than the cutoff there is nothing to prune, whatever is sealed. */
  async pruneBounds(em: EntityManager, cutoff: Date, batch: number): Promise<PruneBounds> {
    const [bounds]: PruneBounds[] = await em.query(
      `WITH old AS (SELECT max(seq) AS seq FROM audit_events WHERE occurred_at < $1)
       SELECT old.seq AS old,
              least(old.seq, (SELECT sealed_through_seq FROM audit_seal_state), (SELECT min(seq) FROM audit_events) + ${batch - 1}) AS through
         FROM old`,
      [cutoff],
    );
    return bounds;
  }

  /**
   * Deletes the events and links through `through`, keeping each chain's last
   * pruned link as its anchor; returns the events deleted per tenant.
   */
  async prune(em: EntityManager, through: string): Promise<{ user_id: string | null; n: number }[]> {
    await em.query(
      `INSERT INTO audit_chain_anchors AS a (chain_id, seq, hash)
       SELECT DISTINCT ON (chain_id) chain_id, seq, hash FROM audit_chain WHERE seq <= $1 ORDER BY chain_id, seq DESC
       ON CONFLICT (chain_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash`,
      [through],
    );
    await em.query(`DELETE FROM audit_chain WHERE seq <= $1`, [through]);
    return em.query(
      `WITH gone AS (DELETE FROM audit_events WHERE seq <= $1 RETURNING user_id)
       SELECT user_id, count(*)::int AS n FROM gone GROUP BY user_id`,
      [through],
    );
  }

  /** One AUDIT_PRUNED event per tenant that lost events (system actor, no agent). */
  async insertPrunedEvents(
    em: EntityManager,
    requestId: string,
    through: string,
    retentionDays: number,
    counts: { user_id: string | null; n: number }[],
  ): Promise<void> {
    await em.query(
      `INSERT INTO audit_events (user_id, request_id, event_type, meta)
       SELECT user_id, $2, 'AUDIT_PRUNED', jsonb_build_object('actor', 'system', 'through_seq', $1::bigint, 'events', n, 'retention_days', $3::int)
         FROM unnest($4::uuid[], $5::int[]) AS c(user_id, n)`,
      [through, requestId, retentionDays, counts.map((c) => c.user_id), counts.map((c) => c.n)],
    );
  }
}
