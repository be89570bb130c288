import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { DestinationStream, Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import pretty from 'pino-pretty';
import type { AppConfig } from '../../config/config';
import { REQUEST_ID_HEADER, resolveRequestId } from './request-id';

/**
 * Safety net: wherever a credential could sit in a logged object, it is censored.
 * Request logs carry no headers, bodies or query strings in the first place.
 */
export const REDACTED_PATHS = [
  'agent_key',
  'api_key',
  'token',
  'authorization',
  '*.agent_key',
  '*.api_key',
  '*.token',
  '*.*.agent_key',
  '*.*.api_key',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
];

export function createRootLogger(
  config: Pick<AppConfig, 'logLevel' | 'logFormat'>,
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: { service: 'mnemo' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
  };
  if (destination) return pino(options, destination);
  if (config.logFormat === 'pretty') return pino(options, pretty({ colorize: true, sync: true, singleLine: true }));
  return pino(options);
}

/** The request path without its query string (which may hold a key). */
export function requestPath(req: IncomingMessage): string {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * One log line per request: method, path, status, duration, request id and the
 * calling agent. Also assigns the request id (see resolveRequestId) and echoes it.
 */
export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'request_id', responseTime: 'duration_ms' },
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const id = resolveRequestId(req.headers['x-request-id']);
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    serializers: {
      req: (req: { method: string; raw: IncomingMessage }) => ({ method: req.method, path: requestPath(req.raw) }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customProps: (req: IncomingMessage) => (req.caller ? { agent: req.caller.agentName } : {}),
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: (req, res) => `${req.method} ${requestPath(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${requestPath(req)} ${res.statusCode}`,
  });
}
