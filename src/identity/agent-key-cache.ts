import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { Caller } from '../common/auth/actor';

export interface CachedKey {
  caller: Caller;
  /** When last_used_at / last_seen_at were last written for this key (ms since epoch). */
  touchedAt: number;
}

/**
 * A short in-process cache of key hash -> caller, so a request costs no hash
 * lookup in PostgreSQL. Revocation here evicts at once; other replicas see it
 * when their entry expires (TTL), which bounds the delay to a few seconds.
 */
@Injectable()
export class AgentKeyCache {
  static readonly TTL_MS = 5_000;
  private readonly entries = new LRUCache<string, CachedKey>({ max: 10_000, ttl: AgentKeyCache.TTL_MS });
  /** Bumped on every eviction, so a lookup that raced with a revocation is not cached. */
  private generation = 0;

  get(hash: string): CachedKey | undefined {
    return this.entries.get(hash);
  }

  currentGeneration(): number {
    return this.generation;
  }

  /** Caches a lookup unless an eviction happened since `generation` was read. */
  set(hash: string, entry: CachedKey, generation: number): void {
    if (generation === this.generation) this.entries.set(hash, entry);
  }

  forget(matches: (caller: Caller) => boolean): void {
    this.generation++;
    for (const [hash, entry] of this.entries.entries()) {
      if (matches(entry.caller)) this.entries.delete(hash);
    }
  }
}
