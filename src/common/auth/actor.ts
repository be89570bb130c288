/** The authenticated agent behind a request (REST) or tool call (MCP). */
export interface Caller {
  agentId: string;
  agentName: string;
  userId: string;
  userName: string;
  timeZone: string;
  keyId: string;
}

/** Who performs a change, as recorded in the audit trail. */
export interface Actor {
  requestId: string;
  via: 'agent' | 'admin' | 'cli' | 'system';
  /** The acting agent; null when an operator (admin API, CLI) or the service itself acts. */
  agentId: string | null;
}

export function agentActor(caller: Caller, requestId: string): Actor {
  return { requestId, via: 'agent', agentId: caller.agentId };
}

export function operatorActor(via: 'admin' | 'cli' | 'system', requestId: string): Actor {
  return { requestId, via, agentId: null };
}

/** An authenticated agent's call, as services receive it from REST and MCP alike. */
export interface AgentCall {
  caller: Caller;
  actor: Actor;
}
