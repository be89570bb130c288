import { STATUS_CODES } from 'node:http';
import { AppError, ErrorCode } from './app-error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem details, with the request id and a stable code. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ErrorCode;
  request_id: string;
  errors?: { field: string; message: string }[];
}

export function problemType(code: ErrorCode): string {
  return `urn:mnemo:problem:${code}`;
}

export function toProblem(error: AppError, requestId: string, instance: string): ProblemBody {
  const body: ProblemBody = {
    type: problemType(error.code),
    title: STATUS_CODES[error.status] ?? 'Error',
    status: error.status,
    detail: error.detail,
    instance,
    code: error.code,
    request_id: requestId,
  };
  if (error.errors?.length) body.errors = error.errors;
  return body;
}
