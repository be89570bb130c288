/** One request the benchmark loads with autocannon (bench/run.ts). */
export interface Target {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The status a successful response has (default 200). */
  status?: number;
  /**
   * Responses differ per request (ids, tokens, the current time): no body
   * comparison while measuring, only non-2xx counted as errors (the body is
   * checked once before).
   */
  variableResponse?: boolean;
  /** A different path for each request (e.g. another page each time); `path` is the first, and is checked. */
  nextPath?: () => string;
  /** Does a response body show the request succeeded? (checked once before measuring) */
  check(body: unknown): boolean;
}

/** Headers of an MCP request over the Streamable HTTP transport (stateless, JSON answers). */
export function mcpHeaders(apiKey: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-06-18',
    'X-Api-Key': apiKey,
  };
}

/** The body of an MCP tools/call request. */
export function toolCall(name: string, args: Record<string, unknown> = {}): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
}
