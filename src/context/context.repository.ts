import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { compactJsonAgg, isoUtc } from '../database/json-sql';
import { Params, preparedQuery } from '../database/sql';
import { stampActionableNudges } from '../knowledge/nudges.repository';
import { visibleObjects } from '../knowledge/object-access.repository';

/** Pending handoffs listed in the context (the full queue is GET /agents/{name}/handoffs). */
const CONTEXT_HANDOFFS = 50;

/**
 * What changes between two context reads without the manifest changing, and
 * the manifest's version: the last session, pending handoffs, the user's
 * projects and hints (owned and shared) and the actionable nudges, which this
 * read stamps as reminded (`$1` the agent, `$2` the user's time zone).
 */
const LIVE_SQL = `
  WITH nudged AS (${stampActionableNudges('(SELECT user_id FROM agents WHERE id = $1)', '$2::text')})
  SELECT g.context_version AS version,
    (SELECT row_to_json(n)::text
       FROM sessions s CROSS JOIN LATERAL (SELECT s.session_id, ${isoUtc('s.started_at')} AS started_at, s.project) n
      WHERE s.agent_id = g.id ORDER BY s.started_at DESC, s.session_id DESC LIMIT 1) AS last_session,
    (SELECT ${compactJsonAgg(`json_agg(n ORDER BY h.created_at, h.handoff_id)`)}
       FROM (SELECT p.handoff_id, p.title, p.created_at, s.name AS sender
               FROM handoffs p LEFT JOIN agents s ON s.id = p.created_by_agent_id
              WHERE p.agent_id = g.id AND p.picked_up_at IS NULL
              ORDER BY p.created_at, p.handoff_id LIMIT ${CONTEXT_HANDOFFS}) h
       CROSS JOIN LATERAL (SELECT h.handoff_id, h.title, h.sender AS created_by_agent, ${isoUtc('h.created_at')} AS created_at) n
    ) AS pending_handoffs,
    (SELECT ${compactJsonAgg(`json_agg(n ORDER BY p.project_id)`)}
       FROM projects p JOIN project_statuses st ON st.status_id = p.status_id
       CROSS JOIN LATERAL (SELECT p.project_id, p.title, st.code AS status) n
      WHERE p.user_id = g.user_id) AS projects_manifest, -- owned only, as LucyAPI's manifest (shared ones: GET /projects)
    (SELECT ${compactJsonAgg(`json_agg(n ORDER BY h.parent_id, h.sort_order, h.hint_id)`)}
       FROM (${visibleObjects('hint', 'g.user_id')}) v JOIN hints h USING (hint_id)
       CROSS JOIN LATERAL (SELECT h.hint_id, h.parent_id, h.title) n) AS hints_compact,
    (SELECT ${compactJsonAgg(`json_agg(n ORDER BY d.due_date ASC NULLS FIRST, d.nudge_id)`)}
       FROM nudged d
       CROSS JOIN LATERAL (SELECT d.nudge_id, d.title, d.description, d.due_date, ${isoUtc('d.last_reminded')} AS last_reminded) n
    ) AS actionable_nudges
  FROM agents g WHERE g.id = $1`;

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

/** The live part of a context read: JSON texts (`last_session` null when the agent has none). */
export interface LiveRow {
  version: string;
  last_session: string | null;
  pending_handoffs: string;
  projects_manifest: string;
  hints_compact: string;
  actionable_nudges: string;
}

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

/** Data access for the agent context: two hot statements, run prepared on the caller's connection. */
@Injectable()
export class ContextRepository {
  /**
   * The live part of the agent's context; stamps the actionable nudges it
   * returns, inside `em`'s transaction when there is one.
   */
  async live(em: EntityManager, agentId: string, timeZone: string): Promise<LiveRow> {
    const params = new Params();
    params.add(agentId);
    params.add(timeZone);
    const [live] = await preparedQuery<LiveRow>(em, LIVE_SQL, params);
    return live;
  }

  /** The agent's manifest at its current version. */
  async manifest(em: EntityManager, agentId: string): Promise<Manifest> {
    const params = new Params();
    params.add(agentId);
    const [manifest] = await preparedQuery<Manifest>(em, MANIFEST_SQL, params);
    return manifest;
  }
}
