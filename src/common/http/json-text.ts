import { Header } from '@nestjs/common';

/**
 * A result already serialised as JSON (built by PostgreSQL). REST sends it as
 * the body and MCP uses it as the tool's text, so a large payload is not parsed
 * and serialised again on its way out.
 */
export class JsonText {
  /**
   * `textOnly`: MCP returns it as text content only (no structuredContent,
   * which would send a large payload twice).
   */
  constructor(
    readonly json: string,
    readonly textOnly = false,
  ) {}

  /** Adds top-level fields to the object this text holds (it ends with `}`). */
  with(fields: Record<string, unknown>): JsonText {
    const head = this.json.slice(0, this.json.lastIndexOf('}')).trimEnd();
    const extra = Object.entries(fields).map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
    return new JsonText(`${head}${head.endsWith('{') ? '' : ','}${extra.join(',')}}`, this.textOnly);
  }
}

/** For a route that returns a JsonText's `json`: the string goes out as the JSON body it is. */
export const SendsJsonText = () => Header('Content-Type', 'application/json; charset=utf-8');
