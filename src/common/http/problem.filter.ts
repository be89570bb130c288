import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { throwError } from 'rxjs';
import { INTERNAL_ERROR_DETAIL } from '../errors/to-app-error';
import { sendProblem } from './problem-response';

/** Every error leaving a controller becomes a problem+json response. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() !== 'http') {
      // MCP tools shape their own errors (McpToolRunner); anything escaping them is internal.
      this.logger.error({ err: exception }, 'Unhandled error in MCP pipeline');
      return throwError(() => ({ message: INTERNAL_ERROR_DETAIL }));
    }
    const http = host.switchToHttp();
    sendProblem(http.getRequest<Request>(), http.getResponse<Response>(), exception);
  }
}
