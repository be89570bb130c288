import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AgentCall } from '../common/auth/actor';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { JsonText } from '../common/http/json-text';
import { TimeService, TimeView } from '../system/time.service';
import { AgentAccess } from './agent-access';
import { AgentTreesRepository } from './agent-trees.repository';
import { ContextManifests } from './context-manifests';
import { ContextRepository, LiveRow, Manifest } from './context.repository';
import { SessionsService } from './sessions.service';

export interface ContextOptions {
  /** Record the caller's session start and report the previous session. */
  startSession?: boolean;
  /** Always-load nodes with their descriptions. */
  full?: boolean;
}

/** The start-of-conversation manifest (context) and the bootstrap for agents without MCP (boot). */
@Injectable()
export class ContextService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly reads: ContextRepository,
    private readonly manifests: ContextManifests,
    private readonly access: AgentAccess,
    private readonly trees: AgentTreesRepository,
    private readonly sessions: SessionsService,
    private readonly time: TimeService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * What an agent loads first: always-load titles, memory titles, the preferences
   * manifest, the last session, pending handoffs, the user's projects and hints
   * and the actionable nudges (stamped as reminded), with the time in the user's
   * zone. With `startSession`, also records the caller's session start and says
   * how long it has been since the previous one; with `full`, the always-load
   * nodes come with their descriptions.
   */
  async context(call: AgentCall, name: string | undefined, options: ContextOptions = {}): Promise<JsonText> {
    const agent = await this.access.readable(call.caller, name);
    const time = this.time.now(call.caller.timeZone);
    if (!options.startSession) return this.read(this.db.manager, agent, time, options.full);
    // The nudges stamped by this read and the session start commit together: a failed start reminds of nothing.
    return this.db.transaction(async (em) => {
      const context = await this.read(em, agent, time, options.full);
      const { session, previous } = await this.sessions.start(em, call, null);
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

  private async read(em: EntityManager, agent: { id: string; name: string }, time: TimeView, full = false): Promise<JsonText> {
    const live = await this.reads.live(em, agent.id, time.tz);
    const manifest = await this.manifests.at(em, agent.id, live.version);
    // The cached manifest holds titles; descriptions can be long, so a full read takes them from the table.
    if (!full) return this.assemble(agent.name, time, live, manifest);
    const nodes = await this.trees.all(em, 'always_load', agent.id);
    const alwaysLoad = nodes.map(({ pkid, parent_id, title, description }) => ({ pkid, parent_id, title, description }));
    return this.assemble(agent.name, time, live, { ...manifest, always_load: JSON.stringify(alwaysLoad) });
  }

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
