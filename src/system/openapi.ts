import { STATUS_CODES } from 'node:http';
import { INestApplication, RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, ParameterObject, ResponsesObject, SchemaObject } from '@nestjs/swagger';
import { RouteAccess } from '../common/auth/access.decorators';
import { routeAccess } from '../common/auth/access.guard';
import { PROBLEM_CONTENT_TYPE } from '../common/errors/problem';
import { applyInputRules } from '../common/http/input-rules';
import { ProblemDto } from '../common/http/problem.dto';
import { ParseId, ParseUuid, PG_INT_MAX } from '../common/http/validation';
import { SERVICE_DESCRIPTION, SERVICE_NAME, SERVICE_VERSION } from '../common/service-info';
import packageJson from '../../package.json';

/** Vendor extension on every operation: who may call it (read back by the manifest). */
export const ACCESS_EXTENSION = 'x-access';

const SECURITY: Record<RouteAccess, Record<string, string[]>[]> = {
  public: [],
  'optional-agent': [{}, { 'agent-key': [] }, { 'agent-bearer': [] }],
  agent: [{ 'agent-key': [] }, { 'agent-bearer': [] }],
  admin: [{ 'admin-token': [] }],
};

/**
 * Every tag an operation may carry, with its description, in the order Swagger
 * UI shows them (test/openapi.e2e-spec.ts checks that every tag used is here).
 */
const TAGS: [name: string, description: string][] = [
  ['system', 'Service manifest, health probes and the current time. No key needed (the time follows the caller’s zone when a key is sent).'],
  ['identity', 'Who the presented agent key belongs to.'],
  [
    'agent context',
    'What an agent loads at the start of a conversation: its always-load tree, memories, preferences and sessions, ' +
      'and handoffs between agents of one user. `{name}` is an agent of your user.',
  ],
  ['projects', 'Your user’s projects and their sections, including projects shared to it.'],
  ['wikis', 'Wikis and their tagged sections, including wikis shared to your user.'],
  ['hints', 'Hint categories and their hints (a tree per category), including categories shared to your user.'],
  ['nudges', 'Deadline reminders; an agent’s context surfaces them when they are due.'],
  ['sharing', 'Share projects, hint categories and wikis with other users, at a permission level.'],
  ['documents', 'Projects and wikis as self-contained HTML documents: with a key, or behind a signed link.'],
  [
    'memories',
    'Scoped memories about subjects (MemoryScope): store them, read them merged for a purpose under the purpose policy, ' +
      'continue or revoke read grants, export or erase a subject.',
  ],
  ['secrets', 'Your user’s encrypted secrets (AES-256-GCM), with per-agent readers and write-only values.'],
  ['images', 'Your user’s images: bytes stored in PostgreSQL, served by key or by signed, expiring links.'],
  ['audit', 'Your user’s audit trail, and the proof that it was not altered.'],
  ['admin', 'Operator API: users (tenants), their agents and agent keys. `Authorization: Bearer <MNEMO_ADMIN_TOKEN>`.'],
];

/**
 * The operationId of a route without an explicit one (`@ApiOperation({ operationId })`):
 * the method name, then the controller's, as a camelCase verb phrase (ManifestController.get: getManifest).
 */
export function defaultOperationId(controllerKey: string, methodKey: string): string {
  const subject = controllerKey.replace(/Controller$/, '');
  return `${methodKey}${subject.charAt(0).toUpperCase()}${subject.slice(1)}`;
}

type Dto = abstract new (...args: never[]) => unknown;

/** One argument of a route handler, as Nest's route metadata records it. */
export interface RouteArg {
  from: 'body' | 'query' | 'param';
  /** The parameter's name (`@Param('id')`); undefined for a whole DTO. */
  name?: string;
  type: unknown;
  pipes: unknown[];
}

export interface RouteFacts {
  access: RouteAccess;
  args: RouteArg[];
}

const ARG_SOURCES: Partial<Record<number, RouteArg['from']>> = {
  [RouteParamtypes.BODY]: 'body',
  [RouteParamtypes.QUERY]: 'query',
  [RouteParamtypes.PARAM]: 'param',
};

/**
 * @nestjs/swagger's metadata key for `@ApiBody` and its kin (DECORATORS.API_PARAMETERS,
 * which the package does not export).
 */
const API_PARAMETERS = 'swagger/apiParameters';

/** Bodies a handler documents with `@ApiBody({ type })`: read by a custom parameter decorator rather than `@Body()`. */
function documentedBodies(handler: object): RouteArg[] {
  const params = (Reflect.getMetadata(API_PARAMETERS, handler) ?? []) as { in?: string; type?: unknown }[];
  return params.filter((p) => p.in === 'body').map((p) => ({ from: 'body', type: p.type, pipes: [] }));
}

/** Nest's path metadata: one path or several. */
const asList = (value: unknown): string[] => (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? v : ''));

/** A route's key: its method and its path as the OpenAPI document writes it (`get /projects/{id}`). */
function routeKey(method: string, path: string): string {
  return `${method.toLowerCase()} ${path}`;
}

/** `@Controller('a')` + `@Get(':id')` -> `/a/{id}`, as @nestjs/swagger writes paths (no global prefix or versions here). */
function documentPath(controllerPath: string, handlerPath: string): string {
  const joined = `/${controllerPath}/${handlerPath}`.replace(/\/+/g, '/');
  const trimmed = joined.length > 1 ? joined.replace(/\/$/, '') : joined;
  return trimmed.replace(/:(\w+)/g, '{$1}');
}

/**
 * Access and arguments of every route, keyed by method and path (operation ids are
 * free to read as verbs). test/openapi.e2e-spec.ts reads it to check the document
 * against the DTOs' rules.
 */
export function routeFacts(app: INestApplication): Map<string, RouteFacts> {
  const discovery = app.get(DiscoveryService);
  const reflector = app.get(Reflector);
  const scanner = new MetadataScanner();
  const facts = new Map<string, RouteFacts>();
  for (const wrapper of discovery.getControllers()) {
    const type = wrapper.metatype as (new (...args: unknown[]) => unknown) | null;
    if (!type?.prototype) continue;
    for (const method of scanner.getAllMethodNames(type.prototype)) {
      // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
      const handler = (type.prototype as Record<string, Function>)[method];
      const handlerPaths = Reflect.getMetadata(PATH_METADATA, handler) as unknown;
      if (handlerPaths === undefined) continue;
      const requestMethod = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const types = (Reflect.getMetadata('design:paramtypes', type.prototype, method) ?? []) as unknown[];
      const recorded = (Reflect.getMetadata(ROUTE_ARGS_METADATA, type, method) ?? {}) as Record<string, { index: number; data?: unknown; pipes?: unknown[] }>;
      const args = Object.entries(recorded).flatMap(([key, arg]): RouteArg[] => {
        const from = ARG_SOURCES[Number(key.split(':')[0])];
        const name = typeof arg.data === 'string' ? arg.data : undefined;
        return from ? [{ from, name, type: types[arg.index], pipes: arg.pipes ?? [] }] : [];
      });
      args.push(...documentedBodies(handler));
      const route = { access: routeAccess(reflector, handler, type), args };
      for (const controllerPath of asList(Reflect.getMetadata(PATH_METADATA, type))) {
        for (const handlerPath of asList(handlerPaths)) facts.set(routeKey(requestMethod, documentPath(controllerPath, handlerPath)), route);
      }
    }
  }
  return facts;
}

const isDto = (type: unknown): type is Dto => typeof type === 'function' && type !== Object && type !== String && type !== Number;

/** The schema of a path parameter whose pipe states it (ids and UUIDs); other parameters keep theirs. */
function pathSchemaOf(arg: RouteArg): Record<string, unknown> | undefined {
  if (arg.pipes.includes(ParseId)) return { type: 'integer', minimum: 1, maximum: PG_INT_MAX };
  if (arg.pipes.includes(ParseUuid)) return { type: 'string', format: 'uuid' };
  return undefined;
}

/**
 * States in the document the rules the validators enforce, so it cannot drift
 * from them: every rule of body and query DTO fields (integer type and bounds,
 * lengths, patterns, enums, UUID format, array sizes: input-rules.ts, as MCP's
 * tools/list states them), and the form of path ids and UUIDs (from their pipes).
 */
function stateInputRules(document: OpenAPIObject, op: OperationObject, args: RouteArg[]): void {
  const parameters = (op.parameters ?? []) as ParameterObject[];
  for (const arg of args) {
    if (arg.from === 'body' && isDto(arg.type)) {
      const schema = document.components?.schemas?.[arg.type.name] as SchemaObject | undefined;
      applyInputRules(schema?.properties as Record<string, Record<string, unknown>> | undefined, arg.type);
    } else if (arg.from === 'query' && !arg.name && isDto(arg.type)) {
      const queried = parameters.filter((p) => p.in === 'query' && p.schema).map((p) => [p.name, p.schema as Record<string, unknown>]);
      applyInputRules(Object.fromEntries(queried), arg.type);
    } else if (arg.from === 'param' && arg.name) {
      const schema = pathSchemaOf(arg);
      const param = parameters.find((p) => p.in === 'path' && p.name === arg.name);
      if (schema && param) param.schema = schema;
    }
  }
}

function problem(description: string) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/ProblemDto' } } } };
}

/** Error responses every route of a kind can give, added where a route does not document them itself. */
function addStandardProblems(op: OperationObject, access: RouteAccess): void {
  const responses: ResponsesObject = (op.responses ??= {});
  const add = (status: number, description: string) => {
    responses[String(status)] ??= problem(description);
  };
  if (access === 'agent') add(401, 'API key required, refused or invalid');
  if (access === 'admin') add(401, 'Admin token required or invalid');
  if (op.requestBody) {
    add(400, 'Malformed JSON body');
    add(413, 'Body over 1 MB');
    add(415, 'Body not sent as JSON (Content-Type: application/json)');
  }
  if (op.requestBody || op.parameters?.length) add(422, 'Validation failed (see errors)');
  // Every request passes the JSON body parser: even a route that takes no body refuses one that is not JSON.
  if (!Object.keys(responses).some((status) => status.startsWith('4'))) add(400, 'A request body was sent and is not valid JSON (this route takes none)');
  add(500, 'Internal server error (the cause is logged with the request id)');
  // A response documented without a description says its status (OpenAPI requires the field; '' tells a reader nothing).
  for (const [status, response] of Object.entries(responses)) {
    if (response && 'description' in response && !response.description) response.description = STATUS_CODES[status] ?? status;
  }
}

/**
 * The OpenAPI document of the live route table. Security and standard error
 * responses are derived from each route's access metadata (the same metadata the
 * guard enforces), and input bounds from the validators, so the docs cannot
 * drift from what is enforced.
 */
export function buildOpenApi(app: INestApplication, publicBaseUrl: string): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle(`${SERVICE_NAME} API`)
    .setDescription(SERVICE_DESCRIPTION)
    .setVersion(SERVICE_VERSION)
    .addServer(publicBaseUrl)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'Agent key' }, 'agent-key')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Agent key as a bearer token' }, 'agent-bearer')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'MNEMO_ADMIN_TOKEN' }, 'admin-token');
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const config = builder.build();
  // The package's own licence (UNLICENSED: proprietary); the URL says what that value means.
  config.info.license = { name: packageJson.license, url: 'https://docs.npmjs.com/cli/v10/configuring-npm/package-json#license' };
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ProblemDto], operationIdFactory: defaultOperationId });
  const routes = routeFacts(app);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const op = item[method];
      if (!op) continue;
      const route = routes.get(routeKey(method, path));
      // A route the scan missed would be documented with a guessed access: a bug to see at once, not to paper over.
      if (!route) throw new Error(`OpenAPI: no route metadata for ${method.toUpperCase()} ${path}`);
      stateInputRules(document, op, route.args);
      const kind = route.access;
      (op as OperationObject & Record<string, unknown>)[ACCESS_EXTENSION] = kind;
      op.security = SECURITY[kind];
      addStandardProblems(op, kind);
    }
  }
  return document;
}
