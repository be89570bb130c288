import { INestApplication } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, ParameterObject, ResponsesObject, SchemaObject } from '@nestjs/swagger';
import { RouteAccess } from '../common/auth/access.decorators';
import { routeAccess } from '../common/auth/access.guard';
import { PROBLEM_CONTENT_TYPE } from '../common/errors/problem';
import { applyNumericRule, applyNumericRules, numericRulesOf } from '../common/http/numeric-rules';
import { ProblemDto } from '../common/http/problem.dto';
import { ParseId, ParseUuid, PG_INT_MAX } from '../common/http/validation';
import { SERVICE_DESCRIPTION, SERVICE_NAME, SERVICE_VERSION } from './service-info';

/** Vendor extension on every operation: who may call it (read back by the manifest). */
export const ACCESS_EXTENSION = 'x-access';

const SECURITY: Record<RouteAccess, Record<string, string[]>[]> = {
  public: [],
  'optional-agent': [{}, { 'agent-key': [] }, { 'agent-bearer': [] }],
  agent: [{ 'agent-key': [] }, { 'agent-bearer': [] }],
  admin: [{ 'admin-token': [] }],
};

type Dto = abstract new (...args: never[]) => unknown;

/** One argument of a route handler, as Nest's route metadata records it. */
interface RouteArg {
  from: 'body' | 'query' | 'param';
  /** The parameter's name (`@Param('id')`); undefined for a whole DTO. */
  name?: string;
  type: unknown;
  pipes: unknown[];
}

interface RouteFacts {
  access: RouteAccess;
  args: RouteArg[];
}

const ARG_SOURCES: Partial<Record<number, RouteArg['from']>> = {
  [RouteParamtypes.BODY]: 'body',
  [RouteParamtypes.QUERY]: 'query',
  [RouteParamtypes.PARAM]: 'param',
};

/** Access and arguments of every route, keyed like @nestjs/swagger's default operationId (`Controller_method`). */
function routeFacts(app: INestApplication): Map<string, RouteFacts> {
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
      if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const types = (Reflect.getMetadata('design:paramtypes', type.prototype, method) ?? []) as unknown[];
      const recorded = (Reflect.getMetadata(ROUTE_ARGS_METADATA, type, method) ?? {}) as Record<string, { index: number; data?: unknown; pipes?: unknown[] }>;
      const args = Object.entries(recorded).flatMap(([key, arg]): RouteArg[] => {
        const from = ARG_SOURCES[Number(key.split(':')[0])];
        const name = typeof arg.data === 'string' ? arg.data : undefined;
        return from ? [{ from, name, type: types[arg.index], pipes: arg.pipes ?? [] }] : [];
      });
      facts.set(`${type.name}_${method}`, { access: routeAccess(reflector, handler, type), args });
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
 * from them: integer type and bounds of body and query DTO fields (from their
 * class-validator rules), and the form of path ids and UUIDs (from their pipes).
 */
function applyInputRules(document: OpenAPIObject, op: OperationObject, args: RouteArg[]): void {
  const parameters = (op.parameters ?? []) as ParameterObject[];
  for (const arg of args) {
    if (arg.from === 'body' && isDto(arg.type)) {
      const schema = document.components?.schemas?.[arg.type.name] as SchemaObject | undefined;
      applyNumericRules(schema?.properties as Record<string, Record<string, unknown>> | undefined, arg.type);
    } else if (arg.from === 'query' && !arg.name && isDto(arg.type)) {
      for (const [name, rule] of numericRulesOf(arg.type)) {
        const param = parameters.find((p) => p.in === 'query' && p.name === name);
        if (param?.schema) applyNumericRule(param.schema as Record<string, unknown>, rule);
      }
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
  }
  if (op.requestBody || op.parameters?.length) add(422, 'Validation failed (see errors)');
  add(500, 'Internal server error (the cause is logged with the request id)');
}

/**
 * The OpenAPI document of the live route table. Security and standard error
 * responses are derived from each route's access metadata (the same metadata the
 * guard enforces), and input bounds from the validators, so the docs cannot
 * drift from what is enforced.
 */
export function buildOpenApi(app: INestApplication, publicBaseUrl: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(`${SERVICE_NAME} API`)
    .setDescription(SERVICE_DESCRIPTION)
    .setVersion(SERVICE_VERSION)
    .addServer(publicBaseUrl)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'Agent key' }, 'agent-key')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Agent key as a bearer token' }, 'agent-bearer')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'MNEMO_ADMIN_TOKEN' }, 'admin-token')
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ProblemDto] });
  const routes = routeFacts(app);
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const op = item[method];
      if (!op) continue;
      const route = routes.get(op.operationId ?? '');
      applyInputRules(document, op, route?.args ?? []);
      const kind = route?.access ?? 'agent';
      (op as OperationObject & Record<string, unknown>)[ACCESS_EXTENSION] = kind;
      op.security = SECURITY[kind];
      addStandardProblems(op, kind);
    }
  }
  return document;
}
