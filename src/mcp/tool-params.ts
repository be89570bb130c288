import type { StandardSchemaV1 } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { applyNumericRules } from '../common/http/numeric-rules';
import { validateCheckedDto, validationFailed } from '../common/http/validation';

const agentKey = z
  .string()
  .max(256)
  .optional()
  .describe('Your agent API key. Optional when the connection already sends X-Api-Key or Authorization: Bearer.');

type AdvertisedSchema = StandardSchemaV1 & {
  '~standard': { jsonSchema: { input: () => Record<string, unknown>; output: () => Record<string, unknown> } };
};

/** A tool's parameters: what tools/list advertises, and how McpToolRunner validates a call's arguments. */
export interface ToolParams<T> {
  /** For `@Tool({ parameters })`: the JSON Schema, and a validator that accepts anything (see below). */
  advertised: AdvertisedSchema;
  /** Validates the arguments (without `agent_key`, already past refuseUnsafeJson); throws a 422 AppError with field errors. */
  parse(input: Record<string, unknown>): Promise<T>;
}

/**
 * A tool's parameters, described with zod (the tool's own fields plus the
 * optional `agent_key` every tool accepts). When the tool shares a REST route's
 * DTO, pass it: the arguments are then validated by the same class-validator
 * rules as the REST body, so REST and MCP cannot drift apart. Validation runs in
 * McpToolRunner after authentication, so a bad argument comes back as
 * `{error: {code, message}}` like every other tool failure.
 */
export function toolParams<Shape extends z.ZodRawShape>(shape: Shape): ToolParams<z.infer<z.ZodObject<Shape>>>;
export function toolParams<Shape extends z.ZodRawShape, T extends object>(shape: Shape, dto: new () => T): ToolParams<T>;
export function toolParams<Shape extends z.ZodRawShape, T extends object>(
  shape: Shape,
  dto?: new () => T,
): ToolParams<unknown> {
  const jsonSchema = z.toJSONSchema(z.object({ agent_key: agentKey, ...shape }), {
    target: 'draft-2020-12',
    io: 'input',
  }) as Record<string, unknown>;
  // The DTO's validators are what is enforced: advertise their integer bounds.
  if (dto) applyNumericRules(jsonSchema.properties as Record<string, Record<string, unknown>>, dto);
  const schema = z.object(shape);
  return {
    advertised: {
      '~standard': {
        version: 1,
        vendor: 'mnemo',
        validate: (value: unknown) => ({ value }),
        jsonSchema: { input: () => jsonSchema, output: () => jsonSchema },
      },
    },
    async parse(input) {
      // McpToolRunner has refused unsafe JSON in the arguments as sent.
      if (dto) return validateCheckedDto(dto, input);
      const parsed = schema.safeParse(input);
      if (parsed.success) return parsed.data;
      throw validationFailed(
        parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(arguments)', message: i.message })),
      );
    },
  };
}
