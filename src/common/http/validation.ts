import { ArgumentMetadata, Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance, Transform } from 'class-transformer';
import { isUUID, validate } from 'class-validator';
import { AppError, FieldError } from '../errors/app-error';
import { refuseUnsafeJson } from './json-guard';

/** Type checks explain a failure best, so a field reports them before range or format rules. */
const TYPE_CONSTRAINTS = ['isDefined', 'isString', 'isInt', 'isNumber', 'isBoolean', 'isIn', 'isObject', 'isArray'];
const rank = (name: string) => (TYPE_CONSTRAINTS.includes(name) ? TYPE_CONSTRAINTS.indexOf(name) : TYPE_CONSTRAINTS.length);

/** A field no rule of the DTO names: refused, never dropped silently. */
const UNKNOWN_FIELD = 'whitelistValidation';

/**
 * One message per field: the most telling failed constraint. A field that is
 * missing says it is required (its isDefined message when it has one, which
 * may say when: "purpose is required unless purpose_class is given").
 */
function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const constraints = e.constraints ?? {};
    const [first] = Object.entries(constraints).sort(([a], [b]) => rank(a) - rank(b));
    let message = first?.[1];
    if (constraints[UNKNOWN_FIELD]) message = `${field} is not a known field`;
    else if (first && e.value === undefined) message = constraints.isDefined ?? `${field} is required`;
    return [...(message ? [{ field, message }] : []), ...flatten(e.children ?? [], field)];
  });
}

/** 422 problem listing every field error; `detail` carries the messages for clients that read only it. */
export function validationFailed(errors: FieldError[]): AppError {
  const detail = errors.length ? errors.map((e) => e.message).join('; ') : 'Request validation failed';
  return AppError.validation(detail, errors);
}

const NOT_AN_OBJECT: FieldError = { field: 'body', message: 'Request body must be a JSON object' };

/**
 * A route that takes a body needs a JSON object (`{}` at least): a missing or
 * empty body, whatever its Content-Type, is a 422 like any non-object.
 */
function requireObjectBody(value: unknown): object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw validationFailed([NOT_AN_OBJECT]);
  return value;
}

/** Pipe options: every failure a 422 problem with `errors: [{field, message}]`, no values echoed. */
const PIPE_OPTIONS = {
  whitelist: true,
  transform: true,
  stopAtFirstError: false,
  // Values are read (a missing field is "required") but never put in a message.
  validationError: { target: false, value: true },
  exceptionFactory: (errors: ValidationError[]) => validationFailed(flatten(errors)),
};

/**
 * The global pipe: DTO validation with class-validator. Bodies, queries and path
 * parameters pass refuseUnsafeJson first; a body that is not a JSON object is a
 * 422, and so is a body field the DTO does not know (named, never dropped
 * silently). Unknown query parameters are ignored (caches and proxies add them).
 */
export class RequestValidationPipe extends ValidationPipe {
  private readonly bodies = new ValidationPipe({ ...PIPE_OPTIONS, forbidNonWhitelisted: true });

  constructor() {
    super({ ...PIPE_OPTIONS, forbidNonWhitelisted: false });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // MCP tool arguments arrive as an untyped body (`@Payload() args: unknown`): McpToolRunner checks them.
    if (metadata.type === 'body' && typeof metadata.metatype === 'function' && metadata.metatype !== Object) {
      refuseUnsafeJson(requireObjectBody(value));
      return this.bodies.transform(value, metadata);
    }
    // A single parameter (`@Query('exp')`, `@Param('id')`) is checked under its own name.
    if (metadata.type === 'query' || metadata.type === 'param') refuseUnsafeJson(metadata.data ? { [metadata.data]: value } : value);
    // Path parameters stay the raw text: ParseId and ParseUuid check it (converting first would let "93.0" or "0x5d" pass as 93).
    if (metadata.type === 'param') return value;
    return super.transform(value, metadata);
  }
}

/** A path parameter that must be a UUID (422 otherwise, naming the parameter). */
@Injectable()
export class ParseUuid implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (isUUID(value)) return value.toLowerCase();
    const field = metadata.data ?? 'id';
    throw validationFailed([{ field, message: `${field} must be a UUID` }]);
  }
}

/**
 * Validates plain input against a DTO class outside the HTTP pipeline (CLI, MCP),
 * with the same rules and errors as the global pipe.
 */
export async function validateDto<T extends object>(dto: new () => T, input: unknown): Promise<T> {
  refuseUnsafeJson(requireObjectBody(input));
  return validateCheckedDto(dto, input as object);
}

/** validateDto for input that has already passed refuseUnsafeJson (MCP arguments: McpToolRunner checks them as sent). */
export async function validateCheckedDto<T extends object>(dto: new () => T, input: object): Promise<T> {
  const instance = plainToInstance(dto, input);
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false });
  if (errors.length) throw validationFailed(flatten(errors));
  return instance;
}

/** The largest PostgreSQL `integer` (ids, parent ids, sort orders). */
export const PG_INT_MAX = 2_147_483_647;

/** How a bad integer id is reported, in a path (ParseId) and in MCP arguments alike. */
export const idRule = (field: string) => `${field} must be a positive integer`;

/** A row id written in decimal digits, 1 to PG_INT_MAX; null otherwise. */
export function rowIdOf(text: string): number | null {
  const n = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  return n >= 1 && n <= PG_INT_MAX ? n : null;
}

/** A path parameter that must be a positive integer id (a PostgreSQL integer). */
@Injectable()
export class ParseId implements PipeTransform<string, number> {
  transform(value: string, metadata: ArgumentMetadata): number {
    const id = rowIdOf(value);
    if (id !== null) return id;
    const field = metadata.data ?? 'id';
    throw validationFailed([{ field, message: idRule(field) }]);
  }
}

/**
 * A query parameter holding an integer: plain decimal digits become the number;
 * anything else (`0x10`, `1e3`, ` 1`, `+1`) stays as sent, for the integer rule to refuse.
 */
export const IntegerFromQuery = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value));

/**
 * A query parameter holding a boolean: `true`/`1` and `false`/`0`; anything
 * else stays as sent, for the boolean rule to refuse (never a silent false).
 */
export const BooleanFromQuery = () =>
  Transform(({ value }: { value: unknown }) =>
    value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value,
  );
