import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { PageQuery } from '../common/http/paging';
import { AgentAccess, TargetAgent } from './agent-access';
import { AgentTreesRepository, NodeFields, TreeKind, TreeNode } from './agent-trees.repository';
import { CreateNodeDto, UpdateNodeDto } from './context.dto';

/** How each tree is named in messages and audit events. */
const TREES: Record<TreeKind, { notFound: string; event: 'ALWAYS_LOAD' | 'PREFERENCE' }> = {
  always_load: { notFound: 'Node not found', event: 'ALWAYS_LOAD' },
  preferences: { notFound: 'Preference not found', event: 'PREFERENCE' },
};

export const NO_FIELDS = 'No fields to update';
export const PARENT_NOT_IN_TREE = 'parent_id must be 0 or a node of the same tree';
export const MOVE_CYCLE = 'A node cannot be moved under itself or one of its descendants';

export interface NestedNode extends TreeNode {
  children: NestedNode[];
}

/** Always-load and preferences: per-agent trees with ordering and moves. */
@Injectable()
export class AgentTreesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: AgentAccess,
    private readonly nodes: AgentTreesRepository,
    private readonly audit: AuditService,
  ) {}

  /** Every node, flat, grouped by parent in sibling order. */
  async list(caller: Caller, kind: TreeKind, name: string | undefined, page: PageQuery) {
    const agent = await this.access.readable(caller, name);
    const [rows, total] = await this.nodes.list(this.db.manager, kind, agent.id, page);
    return { agent: agent.name, [kind]: rows, total, limit: page.limit, offset: page.offset };
  }

  /** The roots only (the preferences "manifest"), in sibling order. */
  async roots(caller: Caller, kind: TreeKind, name: string | undefined, page: PageQuery) {
    const agent = await this.access.readable(caller, name);
    const [roots, total] = await this.nodes.roots(this.db.manager, kind, agent.id, page);
    return { agent: agent.name, [kind]: roots, total, limit: page.limit, offset: page.offset };
  }

  /** A node and its immediate children. */
  async get(caller: Caller, kind: TreeKind, name: string | undefined, pkid: number) {
    const agent = await this.access.readable(caller, name);
    const node = await this.nodes.node(this.db.manager, kind, agent.id, pkid);
    if (!node) throw AppError.notFound(TREES[kind].notFound);
    return { node, children: await this.nodes.children(this.db.manager, kind, agent.id, pkid) };
  }

  /** The whole tree, nested; nodes whose parent is gone count as roots. */
  async tree(caller: Caller, kind: TreeKind, name: string | undefined) {
    const agent = await this.access.readable(caller, name);
    const all = await this.nodes.all(this.db.manager, kind, agent.id);
    const byId = new Map<number, NestedNode>(all.map((n) => [n.pkid, { ...n, children: [] }]));
    const roots: NestedNode[] = [];
    for (const node of byId.values()) {
      const parent = node.parent_id ? byId.get(node.parent_id) : undefined;
      (parent ? parent.children : roots).push(node);
    }
    return { agent: agent.name, [kind]: roots };
  }

  async create(call: AgentCall, kind: TreeKind, name: string | undefined, input: CreateNodeDto) {
    const agent = await this.access.writable(call.caller, name, `write to its ${kind}`);
    return this.db.transaction(async (em) => {
      const parentId = input.parent_id ?? 0;
      if (parentId !== 0) await this.nodes.lockTree(em, kind, agent.id);
      await this.requireParent(em, kind, agent, parentId);
      const node = await this.nodes.insert(em, kind, agent.userId, agent.id, {
        title: input.title,
        description: input.description ?? null,
        parent_id: parentId,
        sort_order: input.sort_order ?? 0,
      });
      await this.record(em, call, kind, 'CREATE', agent, { pkid: node.pkid, parent_id: node.parent_id });
      return { created: { pkid: node.pkid, parent_id: node.parent_id, title: node.title, sort_order: node.sort_order } };
    });
  }

  /** Updates fields and, with `parent_id`, moves the node (refusing cycles). */
  async update(call: AgentCall, kind: TreeKind, name: string | undefined, pkid: number, input: UpdateNodeDto) {
    const fields: NodeFields = {
      title: input.title,
      description: input.description,
      parent_id: input.parent_id,
      sort_order: input.sort_order,
    };
    if (Object.values(fields).every((v) => v === undefined)) throw AppError.badRequest(NO_FIELDS);
    const agent = await this.access.writable(call.caller, name, `modify its ${kind}`);
    return this.db.transaction(async (em) => {
      if (fields.parent_id !== undefined) await this.nodes.lockTree(em, kind, agent.id);
      const current = await this.nodes.node(em, kind, agent.id, pkid, true);
      if (!current) throw AppError.notFound(TREES[kind].notFound);
      if (fields.parent_id !== undefined && fields.parent_id !== current.parent_id) {
        await this.requireParent(em, kind, agent, fields.parent_id);
        if (fields.parent_id !== 0 && (await this.nodes.isWithinSubtree(em, kind, agent.id, pkid, fields.parent_id))) {
          throw AppError.validation(MOVE_CYCLE, [{ field: 'parent_id', message: MOVE_CYCLE }]);
        }
      }
      const node = await this.nodes.update(em, kind, agent.id, pkid, fields);
      await this.record(em, call, kind, 'UPDATE', agent, {
        pkid,
        fields: Object.keys(fields).filter((k) => fields[k as keyof NodeFields] !== undefined),
      });
      return { updated: { pkid: node.pkid, parent_id: node.parent_id, title: node.title, sort_order: node.sort_order } };
    });
  }

  /** Deletes a node with its whole subtree (this agent's tree only). */
  async remove(call: AgentCall, kind: TreeKind, name: string | undefined, pkid: number) {
    const agent = await this.access.writable(call.caller, name, `delete its ${kind}`);
    return this.db.transaction(async (em) => {
      await this.nodes.lockTree(em, kind, agent.id);
      const removed = await this.nodes.removeSubtree(em, kind, agent.id, pkid);
      if (removed === 0) throw AppError.notFound(TREES[kind].notFound);
      await this.record(em, call, kind, 'DELETE', agent, { pkid, descendants_deleted: removed - 1 });
      return { deleted: pkid, descendants_deleted: removed - 1 };
    });
  }

  private async requireParent(em: EntityManager, kind: TreeKind, agent: TargetAgent, parentId: number): Promise<void> {
    if (parentId === 0) return;
    if (!(await this.nodes.node(em, kind, agent.id, parentId))) {
      throw AppError.validation(PARENT_NOT_IN_TREE, [{ field: 'parent_id', message: PARENT_NOT_IN_TREE }]);
    }
  }

  private record(
    em: EntityManager,
    call: AgentCall,
    kind: TreeKind,
    action: 'CREATE' | 'UPDATE' | 'DELETE',
    agent: TargetAgent,
    meta: Record<string, unknown>,
  ): Promise<void> {
    return this.audit.record(em, call.actor, {
      userId: call.caller.userId,
      eventType: `${TREES[kind].event}_${action}`,
      subject: agent.name,
      meta,
    });
  }
}
