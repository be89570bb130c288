import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AgentCall } from '../common/auth/actor';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Params, Sql } from '../database/sql';
import { TimeService } from '../system/time.service';
import { AgentAccess } from './agent-access';
import { AgentTreesRepository } from './agent-trees.repository';
import { SessionsService } from './sessions.service';

/** Pending handoffs listed in the context (the full queue is GET /agents/{name}/handoffs). */
const CONTEXT_HANDOFFS = 50;

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Everything the context manifest reads, in one statement (JSON built by PostgreSQL). */
const CONTEXT_SQL = `
  SELECT
    (SELECT coalesce(json_agg(json_build_object('pkid', pkid, 'parent_id', parent_id, 'title', title)
                              ORDER BY parent_id, sort_order, pkid), '[]'::json)
       FROM always_load WHERE agent_id = $1) AS always_load,
    (SELECT coalesce(json_agg(json_build_object('pkid', pkid, 'title', title) ORDER BY pkid), '[]'::json)
       FROM agent_memories WHERE agent_id = $1) AS memories,
    (SELECT coalesce(json_agg(json_build_object('pkid', pkid, 'title', title) ORDER BY sort_order, pkid), '[]'::json)
       FROM preferences WHERE agent_id = $1 AND parent_id = 0) AS preferences_manifest,
    (SELECT json_build_object('session_id', session_id, 'started_at', ${iso('started_at')}, 'project', project)
       FROM sessions WHERE agent_id = $1 ORDER BY started_at DESC, session_id DESC LIMIT 1) AS last_session,
    (SELECT coalesce(json_agg(json_build_object('handoff_id', h.handoff_id, 'title', h.title,
                                                'created_by_agent', h.sender, 'created_at', ${iso('h.created_at')})
                              ORDER BY h.created_at, h.handoff_id), '[]'::json)
       FROM (SELECT p.handoff_id, p.title, p.created_at, s.name AS sender
               FROM handoffs p LEFT JOIN agents s ON s.id = p.created_by_agent_id
              WHERE p.agent_id = $1 AND p.picked_up_at IS NULL
              ORDER BY p.created_at, p.handoff_id LIMIT ${CONTEXT_HANDOFFS}) h) AS pending_handoffs`;

interface ContextRow {
  always_load: { pkid: number; parent_id: number; title: string }[];
  memories: { pkid: number; title: string }[];
  preferences_manifest: { pkid: number; title: string }[];
  last_session: { session_id: number; started_at: string; project: string | null } | null;
  pending_handoffs: unknown[];
}

/** The start-of-conversation manifest (context) and the bootstrap for agents without MCP (boot). */
@Injectable()
export class ContextService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sql: Sql,
    private readonly access: AgentAccess,
    private readonly trees: AgentTreesRepository,
    private readonly sessions: SessionsService,
    private readonly time: TimeService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * What an agent loads first: always-load titles, memory titles, the preferences
   * manifest, the last session and pending handoffs, with the time in the user's
   * zone. With `startSession`, also records the caller's session start and says
   * how long it has been since the previous one.
   */
  async context(call: AgentCall, name: string | undefined, startSession = false) {
    const agent = await this.access.readable(call.caller, name);
    const params = new Params();
    params.add(agent.id);
    const [row] = await this.sql.query<ContextRow>(CONTEXT_SQL, params);
    const context = {
      agent: agent.name,
      time: this.time.now(call.caller.timeZone),
      always_load: row.always_load,
      memories: row.memories,
      preferences_manifest: row.preferences_manifest,
      projects_manifest: [] as unknown[],
      last_session: row.last_session,
      pending_handoffs: row.pending_handoffs,
    };
    if (!startSession) return context;
    return this.db.transaction(async (em) => {
      const previous = await this.sessions.latest(em, call.caller.agentId);
      const session = await this.sessions.start(em, call, null);
      return {
        ...context,
        session: { session_id: session.session_id, started_at: session.started_at },
        previous_session: previous && {
          session_id: previous.session_id,
          started_at: previous.started_at,
          project: previous.project,
          gap_seconds: Math.round((session.started_at.getTime() - previous.started_at.getTime()) / 1000),
        },
      };
    });
  }

  /** The caller's always-load rows in full, and the URLs of the agent API (never carrying a key). */
  async boot(call: AgentCall) {
    const base = this.config.publicBaseUrl;
    const agent = `${base}/agents/${encodeURIComponent(call.caller.agentName)}`;
    return {
      agent: call.caller.agentName,
      endpoints: {
        time: `${base}/time`,
        whoami: `${base}/whoami`,
        context: `${agent}/context`,
        always_load: `${agent}/context/always_load`,
        always_load_item: `${agent}/context/always_load/{pkid}`,
        memories: `${agent}/memories`,
        memory_item: `${agent}/memories/{pkid}`,
        preferences: `${agent}/preferences`,
        preference_item: `${agent}/preferences/{pkid}`,
        preference_tree: `${agent}/preferences/tree`,
        handoffs: `${agent}/handoffs`,
        handoff_item: `${agent}/handoffs/{handoff_id}`,
        handoffs_sent: `${base}/handoffs/sent`,
        session_start: `${base}/sessions`,
        session_last: `${base}/sessions/last`,
        mcp: `${base}/mcp`,
        docs: `${base}/docs`,
      },
      always_load: await this.trees.all(this.db.manager, 'always_load', call.caller.agentId),
    };
  }
}
