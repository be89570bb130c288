/**
 * A result already serialised as JSON (built by PostgreSQL). REST sends it as
 * the body and MCP uses it as the tool's text, so a large payload is not parsed
 * and serialised again on its way out.
 */
export class JsonText {
  constructor(readonly json: string) {}

  /** Adds top-level fields to the object this text holds (it ends with `}`). */
  with(fields: Record<string, unknown>): JsonText {
    const head = this.json.slice(0, this.json.lastIndexOf('}')).trimEnd();
    const extra = Object.entries(fields).map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
    return new JsonText(`${head}${head.endsWith('{') ? '' : ','}${extra.join(',')}}`);
  }
}
