import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { AppError } from '../errors/app-error';
import { lossyIntegerLiterals, noteLossyIntegers } from './json-guard';

/** The JSON body limit of every route but those given more (an image upload). */
export const BODY_LIMIT = 1024 * 1024;

/** What the raw text of a request's body showed, before JSON.parse lost it. */
interface RawBodyFacts {
  empty: boolean;
  lossyIntegers: Set<number>;
}
const rawFacts = new WeakMap<IncomingMessage, RawBodyFacts>();

/** A body sent as anything but JSON would be ignored: refused instead, saying what to send. */
const UNSUPPORTED_BODY = new AppError(415, 'unsupported_media_type', 'Send the request body as JSON, with Content-Type: application/json');

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Parses JSON bodies (`application/json`, `application/*+json`) for REST and
 * MCP alike, then settles two things only the raw text shows: an empty body
 * counts as no body (body-parser would make it `{}`, so an empty body with a
 * JSON Content-Type would pass where no body is refused), and integer literals
 * that JSON.parse rounded are noted for refuseUnsafeJson. A non-empty body of
 * any other type is a 415.
 */
export function jsonBodyParser(largeBodies: Record<string, number> = {}): RequestHandler[] {
  const parser = (limit: number) =>
    express.json({
      limit,
      // Not strict: a JSON string or number body is valid JSON and gets a 422 from validation, not a 400.
      strict: false,
      type: ['application/json', 'application/*+json'],
      verify: (req: IncomingMessage, _res, raw: Buffer) => {
        // latin1 keeps every ASCII byte where it is, which is all the digit scan needs.
        rawFacts.set(req, { empty: raw.length === 0, lossyIntegers: lossyIntegerLiterals(raw.toString('latin1')) });
      },
    });
  const general = parser(BODY_LIMIT);
  // Routes that take more than BODY_LIMIT (an image upload), by "METHOD /path" as Express routes it
  // (case-insensitive, a trailing slash ignored); never less than BODY_LIMIT.
  const large = new Map(Object.entries(largeBodies).map(([route, limit]) => [route.toLowerCase(), parser(Math.max(limit, BODY_LIMIT))]));
  const routeOf = (req: Request) => `${req.method} ${req.path.replace(/(.)\/+$/, '$1')}`.toLowerCase();
  const parse: RequestHandler = (req, res, next) => (large.get(routeOf(req)) ?? general)(req, res, next);
  const settle = (req: Request, _res: Response, next: NextFunction) => {
    const facts = rawFacts.get(req);
    if (!facts && hasBody(req)) return next(UNSUPPORTED_BODY);
    if (facts?.empty) req.body = undefined;
    else if (facts) noteLossyIntegers(req.body, facts.lossyIntegers);
    next();
  };
  return [parse, settle];
}
