import { CallHandler, ExecutionContext, Injectable, NestInterceptor, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { agentActor } from '../common/auth/actor';
import { requestIdOf } from '../common/http/request-id';
import { validateDto } from '../common/http/validation';
import type { ReadAuthorization } from '../policy/policy.service';
import { ReadMemoryDto } from './scoped-reads.dto';
import { ScopedReadsService } from './scoped-reads.service';

/** A read's validated body and the policy's decision on it. */
export interface AuthorizedRead {
  body: ReadMemoryDto;
  authorization: ReadAuthorization;
}

const AUTHORIZED_READ = Symbol('authorizedRead');
type AuthorizedRequest = Request & { [AUTHORIZED_READ]?: AuthorizedRead };

/**
 * Enforces the purpose policy before a read's controller (and so the merge) runs.
 * The body is validated first, so schema errors (422) take precedence over policy
 * denials (403); the controller receives both through @AuthorizedReadBody() (a
 * custom parameter, so the body is not validated a second time).
 */
@Injectable()
export class PolicyInterceptor implements NestInterceptor {
  constructor(private readonly reads: ScopedReadsService) {}

  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = ctx.switchToHttp().getRequest<AuthorizedRequest>();
    const body = await validateDto(ReadMemoryDto, req.body);
    const authorization = await this.reads.authorize({ caller: req.caller!, actor: agentActor(req.caller!, requestIdOf(req)) }, body);
    req[AUTHORIZED_READ] = { body, authorization };
    return next.handle();
  }
}

/** The validated read and the policy's decision (routes behind PolicyInterceptor). */
export const AuthorizedReadBody = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthorizedRead => {
  const read = ctx.switchToHttp().getRequest<AuthorizedRequest>()[AUTHORIZED_READ];
  if (!read) throw new Error('AuthorizedReadBody used on a route without PolicyInterceptor');
  return read;
});
