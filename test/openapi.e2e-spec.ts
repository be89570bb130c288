import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The OpenAPI document is fit for client generators: it passes Redocly's
 * recommended ruleset without a warning, every operation has a verb-like
 * unique operationId, every success response a schema (not only an example),
 * every parameter a description and a type, and every tag a description.
 */

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

type Schema = { $ref?: string; type?: string; oneOf?: unknown[]; anyOf?: unknown[]; allOf?: unknown[]; example?: unknown };
type Parameter = { name: string; in: string; description?: string; schema?: Schema };
type Operation = {
  operationId?: string;
  tags?: string[];
  parameters?: Parameter[];
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
};
type OpenApiDoc = {
  paths: Record<string, Partial<Record<(typeof HTTP_METHODS)[number], Operation>>>;
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

let t: TestApp;
let doc: OpenApiDoc;

beforeAll(async () => {
  t = await startTestApp();
  doc = (await t.http().get('/docs-json').expect(200)).body;
});
afterAll(() => t.close());

function operations(): { where: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([p, item]) =>
    HTTP_METHODS.filter((m) => item[m]).map((m) => ({ where: `${m.toUpperCase()} ${p}`, op: item[m]! })),
  );
}

/** A schema, not only an example: it names a type, a component, or alternatives. */
const isSchema = (schema: Schema | undefined) =>
  schema !== undefined && Boolean(schema.$ref || schema.type || schema.oneOf || schema.anyOf || schema.allOf);

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
    const userId = doc.paths['/admin/users/{id}']?.delete?.parameters?.find((p) => p.name === 'id');
    expect(userId?.schema).toEqual({ type: 'string', format: 'uuid' });
  });

  it('every tag used by an operation is declared with a description', () => {
    const declared = new Map((doc.tags ?? []).map((tag) => [tag.name, tag.description?.trim() ?? '']));
    const used = new Set(operations().flatMap(({ op }) => op.tags ?? []));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((tag) => !declared.get(tag))).toEqual([]);
    expect(operations().filter(({ op }) => !op.tags?.length).map(({ where }) => where)).toEqual([]);
  });
});
