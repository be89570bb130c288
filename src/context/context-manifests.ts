import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { compactJsonAgg } from '../database/json-sql';
import { Params, Sql } from '../database/sql';

/**
 * The heavy part of an agent's context — always-load titles, memory titles and
 * preference roots — as JSON texts, at one `agents.context_version`.
 */
export interface Manifest {
  version: string;
  always_load: string;
  memories: string;
  preferences_manifest: string;
}

/** Bytes of rendered manifests kept (an agent with 200 nodes and 500 memories is ~50 kB). */
const CACHE_BYTES = 64 * 1024 * 1024;


/** The manifest and its version, read in one snapshot. Rows become JSON through a lateral row (cheaper than json_build_object). */
const MANIFEST_SQL = `
  SELECT g.context_version AS version,
    ${compactJsonAgg(`(SELECT json_agg(n ORDER BY a.parent_id, a.sort_order, a.pkid)
       FROM always_load a CROSS JOIN LATERAL (SELECT a.pkid, a.parent_id, a.title) n WHERE a.agent_id = g.id)`)} AS always_load,
    ${compactJsonAgg(`(SELECT json_agg(n ORDER BY m.pkid)
       FROM agent_memories m CROSS JOIN LATERAL (SELECT m.pkid, m.title) n WHERE m.agent_id = g.id)`)} AS memories,
    ${compactJsonAgg(`(SELECT json_agg(n ORDER BY p.sort_order, p.pkid)
       FROM preferences p CROSS JOIN LATERAL (SELECT p.pkid, p.title) n WHERE p.agent_id = g.id AND p.parent_id = 0)`)}
      AS preferences_manifest
  FROM agents g WHERE g.id = $1`;

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

  constructor(private readonly sql: Sql) {}

  /** The agent's manifest at `version` (its current one, just read), rendered again only when it changed. */
  async at(agentId: string, version: string): Promise<Manifest> {
    const cached = this.cache.get(agentId);
    if (cached?.version === version) return cached;
    const params = new Params();
    params.add(agentId);
    const [manifest] = await this.sql.query<Manifest>(MANIFEST_SQL, params);
    // Possibly newer than `version` (a write in between): cached under the version it was read at.
    this.cache.set(agentId, manifest);
    return manifest;
  }
}
