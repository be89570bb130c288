import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import { requestIdOf } from '../http/request-id';
import { Actor, AgentCall, Caller, agentActor, operatorActor } from './actor';

/**
 * Who may call a route. Routes are `agent` unless marked otherwise: deny by default.
 * - `public`: anyone, no credentials read.
 * - `optional-agent`: anyone; a valid agent key, when sent, identifies the caller.
 * - `agent`: a valid agent key is required.
 * - `admin`: the operator token is required.
 */
export type RouteAccess = 'public' | 'optional-agent' | 'agent' | 'admin';

export const ROUTE_ACCESS = 'mnemo:route-access';

export const Public = () => SetMetadata(ROUTE_ACCESS, 'public' satisfies RouteAccess);
export const OptionalAgent = () => SetMetadata(ROUTE_ACCESS, 'optional-agent' satisfies RouteAccess);
export const AdminOnly = () => applyDecorators(SetMetadata(ROUTE_ACCESS, 'admin' satisfies RouteAccess));

/** The authenticated agent of the request (set by the guard on `agent` routes). */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller | undefined => {
  return ctx.switchToHttp().getRequest<Request>().caller;
});

/** Who is acting, for the audit trail: the calling agent, or the operator on admin routes. */
export const RequestActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<Request>();
  const requestId = requestIdOf(req);
  return req.caller ? agentActor(req.caller, requestId) : operatorActor('admin', requestId);
});

/** The authenticated agent and its audit identity (for `agent` routes). */
export const CurrentCall = createParamDecorator((_: unknown, ctx: ExecutionContext): AgentCall => {
  const req = ctx.switchToHttp().getRequest<Request>();
  return { caller: req.caller!, actor: agentActor(req.caller!, requestIdOf(req)) };
});
