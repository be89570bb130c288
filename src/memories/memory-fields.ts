import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateBy } from 'class-validator';
import { PG_INT_MAX } from '../common/http/validation';
import { SCOPE_RULE, SCOPES } from '../policy/policy.constants';
import { valueProblem } from './memory-value';

/**
 * Field rules shared by every scoped-memory request, REST and MCP alike
 * (MCP tools validate their arguments with the same DTO classes).
 */

export const SUBJECT_PATTERN = /^[A-Za-z0-9_\-.@:]{1,1024}$/;
export const SUBJECT_RULE = 'user_id must be 1-1024 characters of letters, digits, _ - . @ :';
export const DOMAIN_PATTERN = /^[A-Za-z0-9 _\-./@]{1,500}$/;
export const DOMAIN_RULE = 'domain must be at most 500 characters of letters, digits, space and _ - . / @';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
/** Empty or whitespace-only means "no domain". */
const trimToNull = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() || null : value);

/** The subject a memory is about (MemoryScope's `user_id`). */
export const SubjectField = () =>
  applyDecorators(
    ApiProperty({ example: 'user_123', description: 'The subject the memory is about. ' + SUBJECT_RULE.slice(8) }),
    Transform(trim),
    IsString({ message: SUBJECT_RULE }),
    Matches(SUBJECT_PATTERN, { message: SUBJECT_RULE }),
  );

export const ScopeField = (optional = false) =>
  applyDecorators(
    (optional ? ApiPropertyOptional : ApiProperty)({ enum: SCOPES, example: 'preferences' }),
    ...(optional ? [IsOptional()] : []),
    IsIn(SCOPES, { message: `scope ${SCOPE_RULE}` }),
  );

export const DomainField = () =>
  applyDecorators(
    ApiPropertyOptional({
      example: 'food',
      nullable: true,
      type: String,
      description: 'Optional sub-area. Empty or whitespace = no domain; reads match it exactly.',
    }),
    Transform(trimToNull),
    IsOptional(),
    IsString({ message: DOMAIN_RULE }),
    Matches(DOMAIN_PATTERN, { message: DOMAIN_RULE }),
  );

const MAX_AGE_DAYS_RULE = `max_age_days must be an integer between 1 and ${PG_INT_MAX}`;

/** No upper bound in the original (spec §2.7) but the grant's integer column; the selection caps it (see ScopedMemoriesRepository). */
export const MaxAgeDaysField = () =>
  applyDecorators(
    ApiPropertyOptional({
      minimum: 1,
      maximum: PG_INT_MAX,
      nullable: true,
      type: 'integer',
      description: 'Only memories created within this many days.',
    }),
    IsOptional(),
    IsInt({ message: MAX_AGE_DAYS_RULE }),
    Min(1, { message: MAX_AGE_DAYS_RULE }),
    Max(PG_INT_MAX, { message: MAX_AGE_DAYS_RULE }),
  );

/** A value_json that has one of the six shapes and stays within the limits. */
export const IsMemoryValue = () =>
  ValidateBy({
    name: 'isMemoryValue',
    validator: {
      validate: (value: unknown) => valueProblem(value) === null,
      defaultMessage: (args) => valueProblem(args?.value) ?? 'value_json does not match any allowed shape',
    },
  });
