import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ROUTE_ACCESS, RouteAccess } from './access.decorators';
import { Authenticator } from './authenticator';

/** The access a route requires: its own, its controller's, else `agent` (deny by default). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function routeAccess(reflector: Reflector, handler: Function, controller: Function): RouteAccess {
  return reflector.getAllAndOverride<RouteAccess | undefined, string>(ROUTE_ACCESS, [handler, controller]) ?? 'agent';
}

/**
 * Global guard: every HTTP route needs an agent key unless marked otherwise.
 * MCP tool calls pass through here and are authenticated per call by McpToolRunner.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: Authenticator,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<Request>();
    switch (routeAccess(this.reflector, ctx.getHandler(), ctx.getClass())) {
      case 'public':
        return true;
      case 'admin':
        this.auth.requireAdmin(req);
        return true;
      case 'optional-agent':
        req.caller = await this.auth.callerFromRequest(req).catch(() => undefined);
        return true;
      case 'agent':
        req.caller = await this.auth.callerFromRequest(req);
        return true;
    }
  }
}
