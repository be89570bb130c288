import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AgentCall } from '../common/auth/actor';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { JsonText } from '../common/http/json-text';
import { compactJsonAgg, isoUtc } from '../database/json-sql';
import { Params, Sql } from '../database/sql';
import { stampActionableNudges } from '../knowledge/nudges.service';
import { TimeService, TimeView } from '../system/time.service';
import { AgentAccess } from './agent-access';
import { AgentTreesRepository } from './agent-trees.repository';
import { ContextManifests, Manifest } from './context-manifests';
import { SessionsService } from './sessions.service';

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
      WHERE p.user_id = g.user_id) AS projects_manifest,
    (SELECT ${compactJsonAgg(`json_agg(n ORDER BY h.parent_id, h.sort_order, h.hint_id)`)}
       FROM hints h CROSS JOIN LATERAL (SELECT h.hint_id, h.parent_id, h.title) n
      WHERE h.user_id = g.user_id
         OR h.hint_category_id IN (SELECT s.hint_id FROM shared_objects s
                                    WHERE s.shared_to_user_id = g.user_id AND s.object_type_id = 2)) AS hints_compact,
    (SELECT ${compactJsonAgg(`json_agg(n ORDER BY d.due_date ASC NULLS FIRST, d.nudge_id)`)}
       FROM nudged d
       CROSS JOIN LATERAL (SELECT d.nudge_id, d.title, d.description, d.due_date, ${isoUtc('d.last_reminded')} AS last_reminded) n
    ) AS actionable_nudges
  FROM agents g WHERE g.id = $1`;

interface LiveRow {
  version: string;
  last_session: string | null;
  pending_handoffs: string;
  projects_manifest: string;
  hints_compact: string;
  actionable_nudges: string;
}

/** The start-of-conversation manifest (context) and the bootstrap for agents without MCP (boot). */
@Injectable()
export class ContextService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sql: Sql,
    private readonly manifests: ContextManifests,
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
  async context(call: AgentCall, name: string | undefined, startSession = false): Promise<JsonText> {
    const agent = await this.access.readable(call.caller, name);
    const time = this.time.now(call.caller.timeZone);
    const params = new Params();
    params.add(agent.id);
    params.add(time.tz);
    if (!startSession) {
      const [live] = await this.sql.query<LiveRow>(LIVE_SQL, params);
      return this.assemble(agent.name, time, live, await this.manifests.at(agent.id, live.version));
    }
    // The nudges stamped by this read and the session start commit together: a failed start reminds of nothing.
    return this.db.transaction(async (em) => {
      const [live]: LiveRow[] = await em.query(LIVE_SQL, params.values);
      const { session, previous } = await this.sessions.start(em, call, null);
      const context = this.assemble(agent.name, time, live, await this.manifests.at(agent.id, live.version));
      return context.with({
        session: { session_id: session.session_id, started_at: session.started_at },
        previous_session: previous && {
          session_id: previous.session_id,
          started_at: previous.started_at,
          project: previous.project,
          gap_seconds: Math.round((session.started_at.getTime() - previous.started_at.getTime()) / 1000),
        },
      });
    });
  }

  /** The payload from JSON texts: the manifest can hold thousands of titles, rendered once per version. */
  private assemble(agent: string, time: TimeView, live: LiveRow, manifest: Manifest): JsonText {
    return new JsonText(
      `{"agent":${JSON.stringify(agent)},"time":${JSON.stringify(time)},` +
        `"always_load":${manifest.always_load},"memories":${manifest.memories},` +
        `"preferences_manifest":${manifest.preferences_manifest},"projects_manifest":${live.projects_manifest},` +
        `"last_session":${live.last_session ?? 'null'},"pending_handoffs":${live.pending_handoffs},` +
        `"hints_compact":${live.hints_compact},"actionable_nudges":${live.actionable_nudges}}`,
      true,
    );
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
