import type { StandardSchemaV1 } from '@modelcontextprotocol/server';
import { z } from 'zod';

const agentKey = z
  .string()
  .max(256)
  .optional()
  .describe('Your agent API key. Optional when the connection already sends X-Api-Key or Authorization: Bearer.');

type AdvertisedSchema = StandardSchemaV1 & {
  '~standard': { jsonSchema: { input: () => Record<string, unknown>; output: () => Record<string, unknown> } };
};

/**
 * A tool's parameters. `schema` validates the tool's own fields; `advertised` is
 * what `@Tool({ parameters })` receives: the JSON Schema (own fields plus the
 * `agent_key` every tool accepts) and a validator that accepts anything, because
 * McpToolRunner validates after authenticating, so a bad argument comes back as
 * `{error: {code, message}}` like every other tool failure.
 */
export function toolParams<Shape extends z.ZodRawShape>(shape: Shape) {
  const schema = z.object(shape);
  const jsonSchema = z.toJSONSchema(z.object({ agent_key: agentKey, ...shape }), {
    target: 'draft-2020-12',
    io: 'input',
  }) as Record<string, unknown>;
  const advertised: AdvertisedSchema = {
    '~standard': {
      version: 1,
      vendor: 'mnemo',
      validate: (value: unknown) => ({ value }),
      jsonSchema: { input: () => jsonSchema, output: () => jsonSchema },
    },
  };
  return { schema, advertised };
}

export interface ToolParams<Shape extends z.ZodRawShape> {
  schema: z.ZodObject<Shape>;
  advertised: AdvertisedSchema;
}
