import { ArgumentMetadata, Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { isUUID, validate } from 'class-validator';
import { AppError, FieldError } from '../errors/app-error';

/** Type checks explain a failure best, so a field reports them before range or format rules. */
const TYPE_CONSTRAINTS = ['isDefined', 'isString', 'isInt', 'isNumber', 'isBoolean', 'isIn', 'isObject', 'isArray'];
const rank = (name: string) => (TYPE_CONSTRAINTS.includes(name) ? TYPE_CONSTRAINTS.indexOf(name) : TYPE_CONSTRAINTS.length);

/** One message per field: the most telling failed constraint. */
function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const [first] = Object.entries(e.constraints ?? {}).sort(([a], [b]) => rank(a) - rank(b));
    return [...(first ? [{ field, message: first[1] }] : []), ...flatten(e.children ?? [], field)];
  });
}

/** How deeply request bodies and tool arguments may nest objects and arrays (the body itself is level 1). */
const JSON_MAX_DEPTH = 64;

/** A lone UTF-16 surrogate has no UTF-8 form: encoding would silently replace it with U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** How a refusal names the field: a top-level name as sent, if it looks like one (never echo arbitrary keys). */
const fieldOf = (key: string) => (/^[A-Za-z0-9_]{1,64}$/.test(key) ? key : 'body');

/**
 * What no rule further down can handle safely in parsed JSON input, refused
 * before validation: nesting deeper than JSON_MAX_DEPTH (class-transformer and
 * Nest's pipe recurse, and would exhaust the stack), keys named `__proto__`
 * (they cannot live in JavaScript objects: Nest's pipe would silently drop
 * them) and strings or keys holding a lone surrogate (stored, they would
 * silently become U+FFFD). Walked without recursion, so any depth is safe.
 */
export function refuseUnsafeJson(input: object): void {
  const pending: [value: unknown, field: string, depth: number][] = [[input, 'body', 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, field, depth] = next;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) throw validationFailed([{ field, message: `${field} must be valid Unicode text (it holds a lone surrogate)` }]);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > JSON_MAX_DEPTH) {
      throw validationFailed([{ field, message: `${field} nests objects and arrays deeper than ${JSON_MAX_DEPTH} levels` }]);
    }
    if (!Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, '__proto__')) {
      throw validationFailed([{ field: 'body', message: 'JSON keys named __proto__ are not accepted' }]);
    }
    for (const [key, item] of Object.entries(value)) {
      const itemField = depth === 1 ? fieldOf(key) : field;
      if (LONE_SURROGATE.test(key)) throw validationFailed([{ field: itemField, message: `${itemField} holds a key that is not valid Unicode text (a lone surrogate)` }]);
      pending.push([item, itemField, depth + 1]);
    }
  }
}

/** 422 problem listing every field error; `detail` carries the messages for clients that read only it. */
export function validationFailed(errors: FieldError[]): AppError {
  const detail = errors.length ? errors.map((e) => e.message).join('; ') : 'Request validation failed';
  return AppError.validation(detail, errors);
}

const NOT_AN_OBJECT: FieldError = { field: 'body', message: 'Request body must be a JSON object' };
const BODY_REQUIRED = Symbol('bodyRequired');

/**
 * A body DTO whose fields are all optional still needs a body (`{}` at least):
 * without this, a missing body counts as `{}`.
 */
export const BodyRequired = (): ClassDecorator => (target) => Reflect.defineMetadata(BODY_REQUIRED, true, target);

/**
 * The global pipe: DTO validation with class-validator. Unknown body fields are
 * stripped (ignored), a body that is not a JSON object is a 422, and every
 * failure is a 422 problem with `errors: [{field, message}]`.
 */
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: false,
      transform: true,
      stopAtFirstError: false,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => validationFailed(flatten(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Path parameters stay the raw text: ParseId and ParseUuid check it (converting first would let "93.0" or "0x5d" pass as 93).
    if (metadata.type === 'param') return value;
    const isDtoBody = metadata.type === 'body' && typeof metadata.metatype === 'function' && metadata.metatype !== Object;
    if (isDtoBody && (value === undefined || value === null)) {
      if (Reflect.getMetadata(BODY_REQUIRED, metadata.metatype as object)) throw validationFailed([NOT_AN_OBJECT]);
      value = {};
    }
    if (isDtoBody && (typeof value !== 'object' || Array.isArray(value))) {
      throw validationFailed([NOT_AN_OBJECT]);
    }
    if (isDtoBody) refuseUnsafeJson(value as object);
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
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw validationFailed([NOT_AN_OBJECT]);
  }
  refuseUnsafeJson(input);
  const instance = plainToInstance(dto, input);
  const errors = await validate(instance, { whitelist: true, forbidUnknownValues: false });
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
