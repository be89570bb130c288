import type { StandardSchemaV1 } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { applyInputRules, fieldsOf } from '../common/http/input-rules';
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

type JsonSchema = Record<string, unknown>;

/** Keywords that describe a property rather than constrain one type of value: they stay beside an `anyOf`. */
const ANNOTATIONS = ['description', 'default', 'title', 'examples', 'deprecated'];

/**
 * The schema in its most portable spelling, as MCP clients map it onto narrower
 * dialects (the inspector's --strict check): a nullable `type: ["string", "null"]`
 * becomes `anyOf` branches of one type each (the type's keywords in its branch),
 * and an empty schema (`additionalProperties: {}`, `items: {}`: anything) is
 * spelt as what it is. Walks properties, items and branches.
 */
export function portableSchema(schema: JsonSchema): JsonSchema {
  let out: JsonSchema = { ...schema };
  if (Array.isArray(out.type)) {
    const types = out.type as string[];
    const kept = Object.fromEntries(Object.entries(out).filter(([k]) => ANNOTATIONS.includes(k)));
    const constraints = Object.fromEntries(Object.entries(out).filter(([k]) => k !== 'type' && !ANNOTATIONS.includes(k)));
    out = { ...kept, anyOf: types.map((type) => (type === 'null' ? { type } : { type, ...constraints })) };
  }
  if (out.properties) {
    out.properties = Object.fromEntries(Object.entries(out.properties as Record<string, JsonSchema>).map(([k, v]) => [k, portableSchema(v)]));
  }
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(out[key])) out[key] = (out[key] as JsonSchema[]).map(portableSchema);
  }
  const isEmpty = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
  if (isEmpty(out.additionalProperties)) out.additionalProperties = true;
  if (isEmpty(out.items)) delete out.items;
  else if (out.items && typeof out.items === 'object') out.items = portableSchema(out.items as JsonSchema);
  return out;
}

/**
 * The arguments a tool advertises are the fields its DTO validates: an argument
 * the DTO does not know would always be refused (the whitelist), and a DTO field
 * the tool does not advertise would be accepted unannounced. Checked when the
 * tool module loads, so a drift fails at boot and in every test.
 */
function checkSameFields(advertised: string[], dto: new () => object): void {
  const known = fieldsOf(dto);
  const unknown = advertised.filter((name) => !known.has(name));
  const unadvertised = [...known].filter((name) => !advertised.includes(name));
  if (unknown.length || unadvertised.length) {
    throw new Error(
      `Tool arguments and ${dto.name} differ: ` +
        [unknown.length ? `${unknown.join(', ')} not in the DTO` : '', unadvertised.length ? `${unadvertised.join(', ')} not advertised` : '']
          .filter(Boolean)
          .join('; '),
    );
  }
}

/**
 * A zod-only tool (no DTO) states every integer's range itself, as the REST
 * pipes enforce it (ids: rowIdArg, 1..2147483647); zod's default range is every
 * safe integer, which no column holds.
 */
function checkBoundedIntegers(properties: Record<string, JsonSchema>): void {
  const integer = (s: JsonSchema): boolean =>
    s.type === 'integer' || (Array.isArray(s.type) && s.type.includes('integer')) || ((s.anyOf as JsonSchema[] | undefined) ?? []).some(integer);
  const bounded = (s: JsonSchema): boolean =>
    s.anyOf
      ? (s.anyOf as JsonSchema[]).every((b) => !integer(b) || bounded(b))
      : typeof s.maximum === 'number' && s.maximum < Number.MAX_SAFE_INTEGER && typeof s.minimum === 'number' && s.minimum > Number.MIN_SAFE_INTEGER;
  const unbounded = Object.entries(properties).filter(([, s]) => integer(s) && !bounded(s));
  if (unbounded.length) throw new Error(`Tool integer arguments without a stated range: ${unbounded.map(([n]) => n).join(', ')}`);
}

/**
 * A tool's parameters, described with zod (the tool's own fields plus the
 * optional `agent_key` every tool accepts). When the tool shares a REST route's
 * DTO, pass it: the arguments are then validated by the same class-validator
 * rules as the REST body, so REST and MCP cannot drift apart, and tools/list
 * states those rules (integer bounds, lengths, patterns, enums, UUID format:
 * input-rules.ts), never looser ones. The zod shape then only names the
 * arguments, their types and descriptions, and must name exactly the DTO's
 * fields. Validation runs in McpToolRunner after authentication, so a bad
 * argument comes back as `{error: {code, message}}` like every other tool failure.
 */
export function toolParams<Shape extends z.ZodRawShape>(shape: Shape): ToolParams<z.infer<z.ZodObject<Shape>>>;
export function toolParams<Shape extends z.ZodRawShape, T extends object>(shape: Shape, dto: new () => T): ToolParams<T>;
export function toolParams<Shape extends z.ZodRawShape, T extends object>(
  shape: Shape,
  dto?: new () => T,
): ToolParams<unknown> {
  const jsonSchema = portableSchema(
    z.toJSONSchema(z.object({ agent_key: agentKey, ...shape }), { target: 'draft-2020-12', io: 'input' }),
  );
  const properties = jsonSchema.properties as Record<string, Record<string, unknown>>;
  if (dto) {
    // The DTO's validators are what is enforced: advertise exactly their limits.
    checkSameFields(Object.keys(shape), dto);
    applyInputRules(properties, dto);
  } else {
    checkBoundedIntegers(properties);
  }
  // Strict, as the DTOs are (forbidNonWhitelisted): an unknown argument is refused, never dropped.
  const schema = z.strictObject(shape);
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
        parsed.error.issues.flatMap((i) =>
          i.code === 'unrecognized_keys'
            ? i.keys.map((key) => ({ field: key, message: `${key} is not a known field` }))
            : [{ field: i.path.join('.') || '(arguments)', message: i.message }],
        ),
      );
    },
  };
}

/** For a tool that takes no arguments (beyond agent_key). */
export const NO_PARAMS = toolParams({});
