import { getMetadataStorage, IS_INT, MAX, MIN } from 'class-validator';

/** What class-validator enforces on a number field: integer or not, and its bounds. */
export interface NumericRule {
  integer: boolean;
  minimum?: number;
  maximum?: number;
}

/**
 * The numeric rules (IsInt, Min, Max) of a DTO's fields, read from the
 * validators themselves so that the documents advertising them (OpenAPI, MCP
 * tools/list) state exactly the bounds that are enforced.
 */
export function numericRulesOf(dto: abstract new (...args: never[]) => unknown): Map<string, NumericRule> {
  const rules = new Map<string, NumericRule>();
  for (const meta of getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false)) {
    if (![IS_INT, MIN, MAX].includes(meta.name ?? '')) continue;
    const rule = rules.get(meta.propertyName) ?? { integer: false };
    if (meta.name === IS_INT) rule.integer = true;
    if (meta.name === MIN) rule.minimum = meta.constraints[0] as number;
    if (meta.name === MAX) rule.maximum = meta.constraints[0] as number;
    rules.set(meta.propertyName, rule);
  }
  return rules;
}

type JsonSchema = Record<string, unknown>;

/** Writes a rule into a property's JSON Schema (the non-null branch of a nullable `anyOf`). */
export function applyNumericRule(schema: JsonSchema, rule: NumericRule): void {
  const branches = Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]).filter((s) => s.type !== 'null') : [schema];
  for (const target of branches) {
    if (rule.integer) target.type = 'integer';
    if (rule.minimum !== undefined) target.minimum = rule.minimum;
    if (rule.maximum !== undefined) target.maximum = rule.maximum;
  }
}

/** Applies a DTO's numeric rules to the properties of its JSON Schema. */
export function applyNumericRules(properties: Record<string, JsonSchema> | undefined, dto: abstract new (...args: never[]) => unknown): void {
  if (!properties) return;
  for (const [name, rule] of numericRulesOf(dto)) {
    if (properties[name]) applyNumericRule(properties[name], rule);
  }
}
