import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { EntityManager } from 'typeorm';
import { ContextRepository, Manifest } from './context.repository';

/** Bytes of rendered manifests kept (an agent with 200 nodes and 500 memories is ~50 kB). */
const CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Rendered manifests, reused while the agent's `context_version` is unchanged.
 * Triggers bump the version in the transaction that changes a manifest row, so
 * a caller that has just read the current version never gets an older manifest,
 * on this instance or any other sharing the database.
 */
@Injectable()
export class ContextManifests {
  private readonly cache = new LRUCache<string, Manifest>({
    maxSize: CACHE_BYTES,
    sizeCalculation: (m) => m.always_load.length + m.memories.length + m.preferences_manifest.length + 64,
  });

  constructor(private readonly context: ContextRepository) {}

  /** The agent's manifest at `version` (its current one, just read), rendered again only when it changed. */
  async at(em: EntityManager, agentId: string, version: string): Promise<Manifest> {
    const cached = this.cache.get(agentId);
    if (cached?.version === version) return cached;
    const manifest = await this.context.manifest(em, agentId);
    // Possibly newer than `version` (a write in between): cached under the version it was read at.
    this.cache.set(agentId, manifest);
    return manifest;
  }
}
