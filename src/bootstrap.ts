import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import type { DestinationStream } from 'pino';
import { AppModule, type ResolvedConfig } from './app.module';

export type { ResolvedConfig } from './app.module';
import { jsonBodyParser } from './common/http/json-body';
import { imageUploadBodyLimit } from './imaging/image-bytes';
import { createRootLogger, requestLogger } from './common/http/logging';
import { NestLogger } from './common/http/nest-logger';
import { sendProblem } from './common/http/problem-response';
import { REQUEST_ID_HEADER } from './common/http/request-id';
import { apiSecurityHeaders, swaggerUiPolicy } from './common/http/security-headers';
import { mountMcp } from './mcp/mcp.setup';
import { ManifestService } from './system/manifest';
import { buildOpenApi } from './system/openapi';

export interface CreateAppOptions {
  /** Where log lines go (tests capture them); default stdout. */
  logStream?: DestinationStream;
}

/**
 * Builds the whole application — used by main.ts and by the e2e tests, so both
 * run the same middleware order, docs, MCP wiring and error handling.
 */
export async function createApp(config: ResolvedConfig, options: CreateAppOptions = {}): Promise<NestExpressApplication> {
  const logger = createRootLogger(config, options.logStream);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, { logger }), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(NestLogger));
  app.disable('x-powered-by');
  app.set('etag', false); // responses are no-store: hashing every body buys nothing

  // Order matters: request id + request log first, so even body-parser failures are logged and carry the id.
  app.use(requestLogger(logger));
  app.use(apiSecurityHeaders(config.publicBaseUrl));
  app.use('/docs', swaggerUiPolicy(config.publicBaseUrl));
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  if (config.corsOrigins.length) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['Content-Type', 'Authorization', 'X-Api-Key', REQUEST_ID_HEADER, 'Mcp-Protocol-Version'],
      exposedHeaders: [REQUEST_ID_HEADER],
      maxAge: 600,
    });
  }
  // An image upload (REST, or the MCP upload_image tool) carries up to IMAGE_MAX_BYTES as base64.
  const uploadLimit = imageUploadBodyLimit(config.imageMaxBytes);
  app.use(...jsonBodyParser({ 'POST /images': uploadLimit, 'POST /mcp': uploadLimit }));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => sendProblem(req, res, err));

  const document = buildOpenApi(app, config.publicBaseUrl);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', customSiteTitle: 'Mnemo API' });
  app.get(ManifestService).useOpenApi(document);

  await mountMcp(app);
  await app.init();
  return app;
}
