import { INestApplication } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { PATH_METADATA } from '@nestjs/common/constants';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, ResponsesObject } from '@nestjs/swagger';
import { RouteAccess } from '../common/auth/access.decorators';
import { routeAccess } from '../common/auth/access.guard';
import { PROBLEM_CONTENT_TYPE } from '../common/errors/problem';
import { ProblemDto } from '../common/http/problem.dto';
import { SERVICE_DESCRIPTION, SERVICE_NAME, SERVICE_VERSION } from './service-info';

/** Vendor extension on every operation: who may call it (read back by the manifest). */
export const ACCESS_EXTENSION = 'x-access';

const SECURITY: Record<RouteAccess, Record<string, string[]>[]> = {
  public: [],
  'optional-agent': [{}, { 'agent-key': [] }, { 'agent-bearer': [] }],
  agent: [{ 'agent-key': [] }, { 'agent-bearer': [] }],
  admin: [{ 'admin-token': [] }],
};

/** Access of every route, keyed like @nestjs/swagger's default operationId (`Controller_method`). */
function accessByOperationId(app: INestApplication): Map<string, RouteAccess> {
  const discovery = app.get(DiscoveryService);
  const reflector = app.get(Reflector);
  const scanner = new MetadataScanner();
  const access = new Map<string, RouteAccess>();
  for (const wrapper of discovery.getControllers()) {
    const type = wrapper.metatype as (new (...args: unknown[]) => unknown) | null;
    if (!type?.prototype) continue;
    for (const method of scanner.getAllMethodNames(type.prototype)) {
      // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
      const handler = (type.prototype as Record<string, Function>)[method];
      if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      access.set(`${type.name}_${method}`, routeAccess(reflector, handler, type));
    }
  }
  return access;
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
 * guard enforces), so the docs cannot drift from what is enforced.
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
  const access = accessByOperationId(app);
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const op = item[method];
      if (!op) continue;
      const kind = access.get(op.operationId ?? '') ?? 'agent';
      (op as OperationObject & Record<string, unknown>)[ACCESS_EXTENSION] = kind;
      op.security = SECURITY[kind];
      addStandardProblems(op, kind);
    }
  }
  return document;
}
