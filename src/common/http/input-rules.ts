import {
  ARRAY_MAX_SIZE,
  ARRAY_MIN_SIZE,
  getMetadataStorage,
  IS_IN,
  IS_INT,
  IS_UUID,
  MATCHES,
  MAX,
  MAX_LENGTH,
  MIN,
  MIN_LENGTH,
} from 'class-validator';

/**
 * The rules class-validator enforces on a DTO's fields, read from the
 * validators themselves so that the documents advertising them (OpenAPI, MCP
 * tools/list) state exactly what is enforced, never less.
 */

type Dto = abstract new (...args: never[]) => unknown;
type JsonSchema = Record<string, unknown>;

/** What class-validator enforces on one field (or, in `items`, on each element of an array field). */
export interface InputRule {
  /** IsInt. */
  integer?: boolean;
  /** Min / Max. */
  minimum?: number;
  maximum?: number;
  /** MinLength / MaxLength (JSON Schema counts code points, as class-validator does). */
  minLength?: number;
  maxLength?: number;
  /** Matches: ECMA-262 sources, all of which must match. */
  patterns?: string[];
  /** IsIn. */
  enum?: unknown[];
  /** IsUUID. */
  format?: 'uuid';
  /** ArrayMinSize / ArrayMaxSize. */
  minItems?: number;
  maxItems?: number;
  /** The rules declared with `each: true`: they hold for every element. */
  items?: InputRule;
}

const RULE_NAMES = [IS_INT, MIN, MAX, MIN_LENGTH, MAX_LENGTH, MATCHES, IS_IN, IS_UUID, ARRAY_MIN_SIZE, ARRAY_MAX_SIZE];

/**
 * A Matches rule as a JSON Schema pattern. A RegExp carrying a flag JSON Schema
 * cannot express (`i`, `m`, `s`, ...) is left out: an unflagged copy would
 * refuse values the validator accepts.
 */
function patternOf(constraints: unknown[]): string | undefined {
  const [pattern, modifiers] = constraints;
  if (pattern instanceof RegExp) return pattern.flags.replace(/[gu]/g, '') ? undefined : pattern.source;
  if (typeof pattern === 'string' && !modifiers) return pattern;
  return undefined;
}

type Bound = 'minimum' | 'maximum' | 'minLength' | 'maxLength' | 'minItems' | 'maxItems';

/** The bounds, by rule: of several rules on one field, the tightest holds. */
const LOWER_BOUNDS: Record<string, Bound> = { [MIN]: 'minimum', [MIN_LENGTH]: 'minLength', [ARRAY_MIN_SIZE]: 'minItems' };
const UPPER_BOUNDS: Record<string, Bound> = { [MAX]: 'maximum', [MAX_LENGTH]: 'maxLength', [ARRAY_MAX_SIZE]: 'maxItems' };

function addRule(rule: InputRule, name: string, constraints: unknown[]): void {
  const [first] = constraints;
  if (LOWER_BOUNDS[name]) {
    const bound = LOWER_BOUNDS[name];
    rule[bound] = Math.max(first as number, rule[bound] ?? -Infinity);
  } else if (UPPER_BOUNDS[name]) {
    const bound = UPPER_BOUNDS[name];
    rule[bound] = Math.min(first as number, rule[bound] ?? Infinity);
  } else if (name === IS_INT) {
    rule.integer = true;
  } else if (name === MATCHES) {
    const pattern = patternOf(constraints);
    if (pattern !== undefined) (rule.patterns ??= []).push(pattern);
  } else if (name === IS_IN) {
    rule.enum = rule.enum ? rule.enum.filter((v) => (first as unknown[]).includes(v)) : [...(first as unknown[])];
  } else if (name === IS_UUID) {
    rule.format = 'uuid';
  }
}

/** The enforced rules of every field of a DTO (inherited ones included) that has any. */
export function inputRulesOf(dto: Dto): Map<string, InputRule> {
  const rules = new Map<string, InputRule>();
  for (const meta of getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false)) {
    if (!meta.name || !RULE_NAMES.includes(meta.name)) continue;
    const rule = rules.get(meta.propertyName) ?? {};
    addRule(meta.each ? (rule.items ??= {}) : rule, meta.name, meta.constraints ?? []);
    rules.set(meta.propertyName, rule);
  }
  // A field whose only rules cannot be stated (a flagged pattern) has none to copy.
  for (const [name, rule] of rules) if (!Object.keys(rule).length) rules.delete(name);
  return rules;
}

/** The names of a DTO's fields: those with any validation rule (what the whitelist accepts). */
export function fieldsOf(dto: Dto): Set<string> {
  return new Set(getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false).map((meta) => meta.propertyName));
}

/** The types a schema admits (`type: "x"`, `type: ["x", "null"]`); empty when it names none. */
function typesOf(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type as string[];
  return typeof schema.type === 'string' ? [schema.type] : [];
}

/** The schemas a property's rules go into: the non-null branches of an `anyOf`/`oneOf`, else the schema itself. */
function branchesOf(schema: JsonSchema): JsonSchema[] {
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(schema[key])) return (schema[key] as JsonSchema[]).filter((s) => !(typesOf(s).length === 1 && s.type === 'null'));
  }
  return [schema];
}

const admits = (types: string[], ...wanted: string[]) => types.length === 0 || wanted.some((t) => types.includes(t));

/**
 * Writes a rule into a property's JSON Schema. Each kind of rule goes where it
 * applies (numeric rules into number branches, string rules into string ones, array
 * rules into array ones, `each` rules into their items); an existing keyword is
 * replaced, since the validator is what decides.
 */
export function applyInputRule(schema: JsonSchema, rule: InputRule): void {
  for (const target of branchesOf(schema)) {
    const types = typesOf(target);
    if (admits(types, 'number', 'integer')) {
      if (rule.integer) {
        if (Array.isArray(target.type)) target.type = (target.type as string[]).map((t) => (t === 'number' ? 'integer' : t));
        else if (!types.includes('integer')) target.type = 'integer';
      }
      if (rule.minimum !== undefined) target.minimum = rule.minimum;
      if (rule.maximum !== undefined) target.maximum = rule.maximum;
    }
    if (admits(types, 'string')) {
      if (rule.minLength !== undefined) target.minLength = rule.minLength;
      if (rule.maxLength !== undefined) target.maxLength = rule.maxLength;
      if (rule.format) target.format = rule.format;
      if (rule.patterns?.length) {
        const [pattern, ...more] = rule.patterns;
        target.pattern = pattern;
        if (more.length) target.allOf = [...((target.allOf as JsonSchema[] | undefined) ?? []), ...more.map((p) => ({ pattern: p }))];
      }
    }
    // IsIn([true, false]) only restates the boolean type.
    if (rule.enum && !rule.enum.every((v) => typeof v === 'boolean')) {
      target.enum = types.includes('null') && !rule.enum.includes(null) ? [...rule.enum, null] : rule.enum;
      // An enum bounds the value: a generic range (zod's safe-integer bounds) says nothing more.
      if (rule.minimum === undefined) delete target.minimum;
      if (rule.maximum === undefined) delete target.maximum;
    }
    if (admits(types, 'array')) {
      if (rule.minItems !== undefined) target.minItems = rule.minItems;
      if (rule.maxItems !== undefined) target.maxItems = rule.maxItems;
      if (rule.items && target.items && typeof target.items === 'object') applyInputRule(target.items as JsonSchema, rule.items);
    }
  }
}

/** Applies a DTO's rules to the properties of its JSON Schema (properties the schema lacks are left alone). */
export function applyInputRules(properties: Record<string, JsonSchema> | undefined, dto: Dto): void {
  if (!properties) return;
  for (const [name, rule] of inputRulesOf(dto)) {
    if (properties[name]) applyInputRule(properties[name], rule);
  }
}
