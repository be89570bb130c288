import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * The usual API security headers on every response (helmet): nosniff, no
 * framing, no referrer, same-origin resource and opener policies, and a CSP
 * that lets a JSON or problem body do nothing if a browser ever renders it.
 * HSTS only when the service is reached over HTTPS (PUBLIC_BASE_URL), and
 * without includeSubDomains, which would bind sibling hosts the operator
 * may not serve over HTTPS. Document pages set their own, stricter CSP.
 */
export function apiSecurityHeaders(publicBaseUrl: string): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    strictTransportSecurity: publicBaseUrl.startsWith('https:') ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  });
}

/**
 * The Swagger UI's CSP: its own scripts and styles (it inlines a few styles
 * and uses data: icons) and "Try it out" requests to this service, whether
 * reached directly or at PUBLIC_BASE_URL; nothing from elsewhere.
 */
export function swaggerUiPolicy(publicBaseUrl: string): RequestHandler {
  return helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'", new URL(publicBaseUrl).origin],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  });
}
