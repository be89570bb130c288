import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { getMetadataStorage, IS_OPTIONAL, ValidationTypes } from 'class-validator';
import { InputRule, inputRulesOf } from '../src/common/http/input-rules';
import { routeFacts } from '../src/system/openapi';
import { useFixtures } from './support/fixtures';

/**
 * The OpenAPI document is fit for client generators: it passes Redocly's
 * recommended ruleset without a warning, every operation has a verb-like
 * unique operationId, every success response a schema (not only an example),
 * every parameter a description and a type, and every tag a description.
 * It states every input rule the validators enforce (input-rules.ts, the
 * source tools/list states them from too).
 */

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

type Schema = {
  $ref?: string;
  type?: string;
  oneOf?: unknown[];
  anyOf?: unknown[];
  allOf?: Schema[];
  example?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  pattern?: string;
} & Record<string, unknown>;
type Parameter = { name: string; in: string; description?: string; required?: boolean; schema?: Schema };
type Operation = {
  operationId?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
};
type OpenApiDoc = {
  paths: Record<string, Partial<Record<(typeof HTTP_METHODS)[number], Operation>>>;
  components: { schemas: Record<string, Schema> };
  tags?: { name: string; description?: string }[];
};

interface LintProblem {
  ruleId: string;
  severity: string;
  message: string;
  pointer?: string;
}

/**
 * Redocly's `recommended` ruleset, as `npx @redocly/cli lint` applies it.
 * @redocly/openapi-core is an ES module, which Jest's module system cannot
 * load without --experimental-vm-modules: it runs in a child Node process
 * (the document on stdin, the problems as JSON on stdout).
 */
const LINT_SCRIPT = `
import { createConfig, lintFromString } from '@redocly/openapi-core';
let source = '';
for await (const chunk of process.stdin) source += chunk;
const config = await createConfig({ extends: ['recommended'] });
const problems = await lintFromString({ source, absoluteRef: 'docs-json.json', config });
process.stdout.write(JSON.stringify(problems.map((p) => ({
  ruleId: p.ruleId, severity: p.severity, message: p.message, pointer: p.location?.[0]?.pointer,
}))));
`;

function lint(document: unknown): Promise<LintProblem[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--input-type=module', '-e', LINT_SCRIPT],
      { cwd: path.resolve(__dirname, '..'), maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new Error(`redocly lint failed: ${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as LintProblem[])),
    );
    child.stdin?.end(JSON.stringify(document));
  });
}

/**
 * The one finding the API's routes make unavoidable: LucyAPI's tag search
 * `/wikis/tags/{tag}` has the shape of `/wikis/{id}/…` (it cannot be renamed
 * without breaking its clients; the route is declared first and ids are
 * integers, so requests are not actually ambiguous). Only these pairs pass.
 */
const isKnownAmbiguity = (p: LintProblem) =>
  p.ruleId === 'no-ambiguous-paths' && /^Paths should resolve unambiguously\. Found two ambiguous paths: `\/wikis\/tags\/\{tag\}` and `\/wikis\/\{id\}\/\w+`\.$/.test(p.message);

const ctx = useFixtures();
let doc: OpenApiDoc;

beforeAll(async () => {
  doc = (await ctx.http().get('/docs-json').expect(200)).body;
});

function operations(): { where: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([p, item]) =>
    HTTP_METHODS.filter((m) => item[m]).map((m) => ({ where: `${m.toUpperCase()} ${p}`, op: item[m]! })),
  );
}

/** A schema, not only an example: it names a type, a component, or alternatives. */
const isSchema = (schema: Schema | undefined) =>
  schema !== undefined && Boolean(schema.$ref || schema.type || schema.oneOf || schema.anyOf || schema.allOf);

type Dto = abstract new (...args: never[]) => unknown;

const isDto = (type: unknown): type is Dto => typeof type === 'function' && ![Object, String, Number, Boolean, Array].includes(type as never);

/** A body or query DTO a route validates, and what the document says of its fields. */
interface DocumentedDto {
  where: string;
  dto: Dto;
  /** The component the operation's JSON body names (bodies only). */
  component?: string;
  fields: Record<string, Schema | undefined>;
  required: string[];
}

/** Every body and query DTO of every route (from the route table, not from the document), with its fields as documented. */
function documentedDtos(): DocumentedDto[] {
  const found: DocumentedDto[] = [];
  for (const [key, route] of routeFacts(ctx.app.app)) {
    const [method, where] = key.split(' ') as [(typeof HTTP_METHODS)[number], string];
    const op = doc.paths[where]?.[method];
    for (const arg of route.args) {
      if (!isDto(arg.type) || arg.name) continue;
      if (arg.from === 'body') {
        const component = op?.requestBody?.content?.['application/json']?.schema?.$ref?.replace('#/components/schemas/', '');
        const schema = component ? doc.components.schemas[component] : undefined;
        found.push({ where: `${key} body`, dto: arg.type, component, fields: schema?.properties ?? {}, required: schema?.required ?? [] });
      } else if (arg.from === 'query') {
        const params = (op?.parameters ?? []).filter((q) => q.in === 'query');
        const fields = Object.fromEntries(params.map((q) => [q.name, q.schema]));
        found.push({ where: `${key} query`, dto: arg.type, fields, required: params.filter((q) => q.required).map((q) => q.name) });
      }
    }
  }
  return found;
}

/**
 * What a schema fails to state of a rule, as `keyword: stated, not wanted`:
 * the JSON Schema keyword of each kind of rule, spelt out here apart from
 * applyInputRule so that a rule it drops or misplaces shows.
 */
function unstated(schema: Schema | undefined, rule: InputRule): string[] {
  if (!schema) return ['not documented'];
  const wrong: string[] = [];
  const want = (keyword: string, value: unknown) => {
    if (!isDeepStrictEqual(schema[keyword], value)) wrong.push(`${keyword}: ${JSON.stringify(schema[keyword])}, not ${JSON.stringify(value)}`);
  };
  if (rule.integer) want('type', 'integer');
  for (const keyword of ['minimum', 'maximum', 'minLength', 'maxLength', 'format', 'minItems', 'maxItems'] as const) {
    if (rule[keyword] !== undefined) want(keyword, rule[keyword]);
  }
  if (rule.patterns) {
    const stated = [schema.pattern, ...(schema.allOf ?? []).map((s) => s.pattern)].filter((p) => p !== undefined).sort();
    if (!isDeepStrictEqual(stated, [...rule.patterns].sort())) wrong.push(`patterns: ${JSON.stringify(stated)}, not ${JSON.stringify(rule.patterns)}`);
  }
  // IsIn([true, false]) only restates the boolean type.
  if (rule.enum && !rule.enum.every((v) => typeof v === 'boolean')) want('enum', rule.enum);
  if (rule.items) wrong.push(...unstated(schema.items, rule.items).map((w) => `items ${w}`));
  return wrong;
}

/** The schema of a property of an operation's JSON body. */
function bodyProperty(where: string, method: (typeof HTTP_METHODS)[number], name: string): Schema | undefined {
  const ref = doc.paths[where]?.[method]?.requestBody?.content?.['application/json']?.schema?.$ref ?? '';
  return doc.components.schemas[ref.replace('#/components/schemas/', '')]?.properties?.[name];
}

/** The schema of a query parameter of an operation. */
const queryParam = (where: string, name: string) => doc.paths[where]?.get?.parameters?.find((p) => p.in === 'query' && p.name === name)?.schema;

describe('OpenAPI document for client generators', () => {
  it('documents the whole API (the checks below see every operation)', () => {
    expect(operations().length).toBeGreaterThan(90);
  });

  it("passes Redocly's recommended ruleset with no error and no warning", async () => {
    const problems = (await lint(doc)).filter((p) => !isKnownAmbiguity(p));
    expect(problems.map((p) => `${p.severity} ${p.ruleId} at ${p.pointer ?? '?'}: ${p.message}`)).toEqual([]);
  }, 60_000);

  it('every operation has a unique camelCase operationId that reads as a verb phrase', () => {
    const ids = operations().map(({ where, op }) => ({ where, id: op.operationId ?? '' }));
    expect(ids.filter(({ id }) => !/^[a-z][a-zA-Z]+$/.test(id))).toEqual([]);
    const first = new Map<string, string>();
    const duplicates: string[] = [];
    for (const { where, id } of ids) {
      const other = first.get(id);
      if (other) duplicates.push(`${where}: ${id} (also ${other})`);
      else first.set(id, where);
    }
    expect(duplicates).toEqual([]);
    // Spot checks of the naming: verb first, resource after.
    expect(doc.paths['/agents/{name}/memories']?.post?.operationId).toBe('createAgentMemory');
    expect(doc.paths['/projects']?.get?.operationId).toBe('listProjects');
    expect(doc.paths['/projects/{id}']?.get?.operationId).toBe('getProject');
    expect(doc.paths['/wikis/{id}/sections/{sid}']?.delete?.operationId).toBe('deleteWikiSection');
  });

  it('every success response other than 204 has a schema, not only an example; a 204 has no body', () => {
    const missing: string[] = [];
    for (const { where, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (!status.startsWith('2')) continue;
        const media = Object.entries(response.content ?? {});
        if (status === '204') {
          if (media.length) missing.push(`${where} ${status}: a 204 documents a body`);
          continue;
        }
        if (!media.length) missing.push(`${where} ${status}: no content`);
        for (const [type, { schema }] of media) if (!isSchema(schema)) missing.push(`${where} ${status} ${type}: no schema`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every parameter has a description and a typed schema; path ids state their bounds', () => {
    const undescribed: string[] = [];
    for (const { where, op } of operations()) {
      for (const param of op.parameters ?? []) {
        if (!param.description?.trim()) undescribed.push(`${where} ${param.in} ${param.name}: no description`);
        if (!param.schema?.type) undescribed.push(`${where} ${param.in} ${param.name}: no schema type`);
      }
    }
    expect(undescribed).toEqual([]);
    const pkid = doc.paths['/agents/{name}/memories/{pkid}']?.get?.parameters?.find((p) => p.name === 'pkid');
    expect(pkid?.schema).toEqual({ type: 'integer', minimum: 1, maximum: 2147483647 });
    const memoryId = doc.paths['/memory/{id}']?.delete?.parameters?.find((p) => p.name === 'id');
    expect(memoryId?.schema).toEqual({ type: 'string', format: 'uuid' });
  });

  it('every operation with a JSON body names the DTO its route validates', () => {
    const dtos = documentedDtos();
    const bodies = dtos.filter((d) => d.where.endsWith(' body'));
    expect(bodies.length).toBeGreaterThan(25);
    expect(bodies.filter((d) => d.component !== d.dto.name).map((d) => `${d.where}: ${d.component ?? 'no component'}, not ${d.dto.name}`)).toEqual([]);
    // A body read by a custom decorator (POST /memory/read, documented with @ApiBody) is found too.
    const named = new Set(bodies.map((d) => d.where.replace(/ body$/, '')));
    const unread = operations()
      .filter(({ op }) => op.requestBody?.content?.['application/json']?.schema?.$ref)
      .map(({ where }) => where.replace(/^(\w+) /, (_, m: string) => `${m.toLowerCase()} `))
      .filter((where) => !named.has(where));
    expect(unread).toEqual([]);
  });

  it('states every input rule of every body and query DTO field, as the validators enforce it', () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const { where, dto, fields } of documentedDtos()) {
      for (const [name, rule] of inputRulesOf(dto)) {
        checked++;
        for (const problem of unstated(fields[name], rule)) wrong.push(`${where} ${dto.name}.${name}: ${problem}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });

  it('marks required exactly the fields the validators require (no IsOptional, no default)', () => {
    const wrong: string[] = [];
    for (const { where, dto, fields, required } of documentedDtos()) {
      const metas = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
      const conditional = metas.filter((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION);
      const optional = new Set(conditional.filter((m) => m.name === IS_OPTIONAL).map((m) => m.propertyName));
      // A ValidateIf field is required or not by its condition: no one keyword states that.
      const depends = new Set(conditional.filter((m) => m.name !== IS_OPTIONAL).map((m) => m.propertyName));
      const defaults = new (dto as unknown as new () => Record<string, unknown>)();
      for (const name of new Set(metas.map((m) => m.propertyName))) {
        if (depends.has(name) && !optional.has(name)) continue;
        const needed = !optional.has(name) && defaults[name] === undefined;
        if (!(name in fields)) wrong.push(`${where} ${dto.name}.${name}: not documented`);
        else if (needed !== required.includes(name)) wrong.push(`${where} ${dto.name}.${name}: ${needed ? 'required' : 'optional'} but documented otherwise`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('states the patterns, lengths, enums, UUID formats and array sizes of representative DTOs', () => {
    // Patterns (Matches) and lengths: user and agent names, memory subjects and domains, a read's purpose.
    expect(bodyProperty('/admin/users', 'post', 'name')).toMatchObject({ type: 'string', pattern: '^[a-z0-9_-]{1,64}$' });
    expect(bodyProperty('/memory', 'post', 'user_id')).toMatchObject({ pattern: '^[A-Za-z0-9_\\-.@:]{1,1024}$' });
    expect(bodyProperty('/memory', 'post', 'domain')).toMatchObject({ nullable: true, pattern: '^[A-Za-z0-9 _\\-./@]{1,500}$' });
    expect(bodyProperty('/memory/read', 'post', 'purpose')).toMatchObject({ maxLength: 1000, pattern: '^[^\\u0000]*$' });
    expect(bodyProperty('/projects', 'post', 'title')).toMatchObject({ type: 'string', minLength: 1, maxLength: 500 });
    // Enums (IsIn), integer enums included; UUIDs (IsUUID).
    expect(bodyProperty('/memory/read', 'post', 'purpose_class')?.enum).toContain('recommendation');
    expect(bodyProperty('/sharing', 'post', 'object_type_id')).toMatchObject({ type: 'integer', enum: [1, 2, 3] });
    expect(bodyProperty('/sharing', 'post', 'shared_to_user_id')).toMatchObject({ type: 'string', format: 'uuid' });
    expect(bodyProperty('/memory/revoke', 'post', 'grant_id')).toMatchObject({ type: 'string', format: 'uuid' });
    // Array sizes and the rules of each element.
    expect(bodyProperty('/secrets/{key}', 'put', 'readers')).toMatchObject({ maxItems: 100, items: { type: 'string', pattern: '^[a-z0-9_-]{1,64}$' } });
    expect(bodyProperty('/wikis/{id}/sections', 'post', 'tags')).toMatchObject({ maxItems: 50, items: { minLength: 1, maxLength: 100 } });
    // Query DTOs: the validator's pattern (not a hand-written variant), enums, integer bounds.
    expect(queryParam('/audit', 'cursor')).toMatchObject({ type: 'string', pattern: '^[1-9]\\d{0,17}$' });
    expect(queryParam('/audit', 'agent')).toMatchObject({ pattern: '^[a-z0-9_-]{1,64}$' });
    expect(queryParam('/memory', 'user_id')).toMatchObject({ pattern: '^[A-Za-z0-9_\\-.@:]{1,1024}$' });
    expect(queryParam('/agents/{name}/handoffs', 'status')).toMatchObject({ enum: ['pending', 'picked_up', 'all'] });
    expect(queryParam('/projects', 'limit')).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
  });

  it('every tag used by an operation is declared with a description', () => {
    const declared = new Map((doc.tags ?? []).map((tag) => [tag.name, tag.description?.trim() ?? '']));
    const used = new Set(operations().flatMap(({ op }) => op.tags ?? []));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((tag) => !declared.get(tag))).toEqual([]);
    expect(operations().filter(({ op }) => !op.tags?.length).map(({ where }) => where)).toEqual([]);
  });
});
