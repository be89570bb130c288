import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';
import { PROBLEM_CONTENT_TYPE } from '../errors/problem';

class FieldErrorDto {
  @ApiProperty({ example: 'name' }) field: string;
  @ApiProperty({ example: 'name must be 1-64 characters of a-z, 0-9, _ and -' }) message: string;
}

/** RFC 9457 problem details, as every error response carries them. */
export class ProblemDto {
  @ApiProperty({ example: 'urn:mnemo:problem:not_found' }) type: string;
  @ApiProperty({ example: 'Not Found' }) title: string;
  @ApiProperty({ type: 'integer', example: 404, description: 'The HTTP status code' }) status: number;
  @ApiProperty({ example: 'User not found', description: 'Human sentence; clients may match on it.' })
  detail: string;
  @ApiProperty({ example: '/admin/users/7d0c6c52-0c39-4a5e-9f3c-2f0c1f3b5a10' }) instance: string;
  @ApiProperty({ example: 'not_found', description: 'Stable machine-readable code.' }) code: string;
  @ApiProperty({ example: '8f14e45f-ceea-467f-a0e6-1f1d2f2c9c1a' }) request_id: string;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Present on validation errors (422).' })
  errors?: FieldErrorDto[];
}

/** Documents one problem response of a route. */
export const ApiProblem = (status: number, description: string) =>
  applyDecorators(
    ApiResponse({
      status,
      description,
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/ProblemDto' } } },
    }),
  );
