import { CallHandler, ExecutionContext, Injectable, NestInterceptor, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { agentActor } from '../common/auth/actor';
import { requestIdOf } from '../common/http/request-id';
import { validateDto } from '../common/http/validation';
import { ReadMemoryDto } from '../grants/grant.dto';
import { PolicyService, ReadAuthorization } from './policy.service';

const AUTHORIZATION = Symbol('readAuthorization');
type AuthorizedRequest = Request & { [AUTHORIZATION]?: ReadAuthorization };

/**
 * Enforces the purpose policy before a read's controller (and so the merge) runs.
 * The body is validated first with the route's own DTO, so schema errors (422)
 * take precedence over policy denials (403).
 */
@Injectable()
export class PolicyInterceptor implements NestInterceptor {
  constructor(private readonly policy: PolicyService) {}

  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = ctx.switchToHttp().getRequest<AuthorizedRequest>();
    const body = await validateDto(ReadMemoryDto, req.body ?? {});
    req[AUTHORIZATION] = await this.policy.authorizeRead(
      { caller: req.caller!, actor: agentActor(req.caller!, requestIdOf(req)) },
      {
        subject: body.user_id,
        scope: body.scope,
        domain: body.domain ?? null,
        purpose: body.purpose ?? null,
        purposeClass: body.purpose_class,
      },
    );
    return next.handle();
  }
}

/** The policy's decision for this request (routes behind PolicyInterceptor). */
export const ReadAuthorized = createParamDecorator((_: unknown, ctx: ExecutionContext): ReadAuthorization => {
  const authorization = ctx.switchToHttp().getRequest<AuthorizedRequest>()[AUTHORIZATION];
  if (!authorization) throw new Error('ReadAuthorized used on a route without PolicyInterceptor');
  return authorization;
});
