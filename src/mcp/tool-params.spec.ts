import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { PG_INT_MAX } from '../common/http/validation';
import { AppError } from '../common/errors/app-error';
import { ReadMemoryDto } from '../grants/scoped-reads.dto';
import { DOMAIN_PATTERN, SUBJECT_PATTERN } from '../memories/memory-fields';
import { domainArg, maxAgeDaysArg, scopeArg, subjectArg } from '../memories/scoped-memories.tool-args';
import { PURPOSE_CLASSES, SCOPES } from '../policy/policy.constants';
import { SecretKeyArgs } from '../secrets/secrets.dto';
import { pageArgs, rowIdArg } from './tool-args';
import { NO_PARAMS, portableSchema, toolParams } from './tool-params';

type Schema = Record<string, unknown>;
const propertiesOf = (params: { advertised: { '~standard': { jsonSchema: { input: () => Schema } } } }) =>
  params.advertised['~standard'].jsonSchema.input().properties as Record<string, Schema>;

describe('toolParams: the advertised schema states what the DTO enforces', () => {
  const read = toolParams(
    {
      user_id: subjectArg,
      scope: scopeArg,
      domain: domainArg,
      purpose: z.string().optional(),
      purpose_class: z.enum(PURPOSE_CLASSES).optional(),
      max_age_days: maxAgeDaysArg,
    },
    ReadMemoryDto,
  );

  it('copies patterns, lengths, enums and integer bounds from the DTO', () => {
    const properties = propertiesOf(read);
    expect(properties.user_id).toMatchObject({ type: 'string', pattern: SUBJECT_PATTERN.source });
    expect(properties.domain).toMatchObject({ anyOf: [{ type: 'string', pattern: DOMAIN_PATTERN.source }, { type: 'null' }] });
    expect(properties.purpose).toMatchObject({ type: 'string', maxLength: 1000 });
    expect(properties.scope).toMatchObject({ enum: [...SCOPES] });
    expect(properties.max_age_days).toMatchObject({ anyOf: [{ type: 'integer', minimum: 1, maximum: PG_INT_MAX }, { type: 'null' }] });
    expect(propertiesOf(toolParams({ key: z.string() }, SecretKeyArgs)).key).toMatchObject({ pattern: '^[A-Za-z0-9_.-]{1,200}$' });
  });

  it('validates with the DTO, so what the schema refuses is refused', async () => {
    await expect(read.parse({ user_id: 'user_1', scope: 'preferences', purpose: 'x'.repeat(1001) })).rejects.toMatchObject({
      errors: [{ field: 'purpose', message: 'purpose may be at most 1000 characters' }],
    });
    await expect(read.parse({ user_id: 'user_1', scope: 'preferences', purpose: 'recommend food', domain: 'a;b' })).rejects.toMatchObject({
      errors: [{ field: 'domain' }],
    });
  });

  it('refuses a tool whose arguments and DTO differ', () => {
    expect(() => toolParams({ key: z.string(), extra: z.string() }, SecretKeyArgs)).toThrow('extra not in the DTO');
    expect(() => toolParams({}, SecretKeyArgs)).toThrow('key not advertised');
  });

  it('spells nullable and free-form values portably (one type per branch, no empty schemas)', () => {
    expect(
      portableSchema({
        type: 'object',
        properties: {
          note: { type: ['string', 'null'], maxLength: 5, description: 'A note' },
          value: { anyOf: [{ type: 'object', additionalProperties: {} }, { type: 'array', items: {} }] },
          tags: { type: 'array', items: { type: ['string', 'null'] } },
        },
      }),
    ).toEqual({
      type: 'object',
      properties: {
        note: { description: 'A note', anyOf: [{ type: 'string', maxLength: 5 }, { type: 'null' }] },
        value: { anyOf: [{ type: 'object', additionalProperties: true }, { type: 'array' }] },
        tags: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'null' }] } },
      },
    });
  });

  it('makes a zod-only tool state the range of its integers (ids as ParseId: 1..2147483647)', () => {
    expect(() => toolParams({ id: z.number().int() })).toThrow('without a stated range: id');
    expect(() => toolParams({ id: z.number().int().nullable().optional() })).toThrow('without a stated range: id');
    const params = toolParams({ id: rowIdArg('An id'), ...pageArgs });
    expect(propertiesOf(params).id).toMatchObject({ type: 'integer', minimum: 1, maximum: PG_INT_MAX });
    expect(propertiesOf(params).limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
  });

  it('a zod-only tool refuses unknown arguments with a 422 naming each, as the DTO tools do', async () => {
    await expect(NO_PARAMS.parse({})).resolves.toEqual({});
    const refused = await NO_PARAMS.parse({ verbose: true, x: 1 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).errors).toEqual([
      { field: 'verbose', message: 'verbose is not a known field' },
      { field: 'x', message: 'x is not a known field' },
    ]);
  });

  it('every tool module loads: its arguments match its DTOs and its integers are bounded', () => {
    const root = path.join(__dirname, '..');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tools.ts'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      expect(() => {
        jest.isolateModules(() => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading is the check (toolParams runs at module load)
          require(path.join(root, file));
        });
      }).not.toThrow();
    }
  });
});
