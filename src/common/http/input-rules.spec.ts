import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { applyInputRules, fieldsOf, inputRulesOf } from './input-rules';

class BaseDto {
  @IsInt()
  @Min(1)
  @Max(2147483647)
  id: number;
}

class SampleDto extends BaseDto {
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  title: string;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9 _\-./@]{1,500}$/)
  domain?: string | null;

  @IsIn(['pending', 'picked_up', 'all'])
  status: string;

  @IsIn([1, 2, 3])
  level: number;

  @IsIn([true, false])
  flag: boolean;

  @IsUUID('all')
  user: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(100, { each: true })
  @Matches(/^\S+$/, { each: true })
  tags?: string[] | null;

  @Matches(/^abc$/i)
  caseless: string;
}

type Schema = Record<string, unknown>;

/** Properties as zod's JSON Schema states them before the DTO's rules are applied. */
function zodLike(): Record<string, Schema> {
  const safe = { minimum: -9007199254740991, maximum: 9007199254740991 };
  return {
    id: { type: 'integer', ...safe },
    title: { type: 'string' },
    domain: { type: ['string', 'null'] },
    status: { type: 'string' },
    level: { type: 'integer', ...safe },
    flag: { type: 'boolean' },
    user: { type: 'string' },
    tags: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }] },
    caseless: { type: 'string' },
  };
}

describe('DTO input rules', () => {
  it('reads every kind of rule, inherited ones included', () => {
    const rules = inputRulesOf(SampleDto);
    expect(rules.get('id')).toEqual({ integer: true, minimum: 1, maximum: 2147483647 });
    expect(rules.get('title')).toEqual({ minLength: 1, maxLength: 500 });
    expect(rules.get('domain')).toEqual({ patterns: ['^[A-Za-z0-9 _\\-./@]{1,500}$'] });
    expect(rules.get('status')).toEqual({ enum: ['pending', 'picked_up', 'all'] });
    expect(rules.get('user')).toEqual({ format: 'uuid' });
    expect(rules.get('tags')).toEqual({ maxItems: 50, items: { minLength: 1, maxLength: 100, patterns: ['^\\S+$'] } });
    // A flag JSON Schema cannot express: left out rather than stated wrongly.
    expect(rules.get('caseless')).toBeUndefined();
    expect([...fieldsOf(SampleDto)].sort()).toEqual(['caseless', 'domain', 'flag', 'id', 'level', 'status', 'tags', 'title', 'user']);
  });

  it('copies bounds, lengths, patterns, enums, formats and array limits into the schema', () => {
    const properties = zodLike();
    applyInputRules(properties, SampleDto);
    expect(properties).toEqual({
      id: { type: 'integer', minimum: 1, maximum: 2147483647 },
      title: { type: 'string', minLength: 1, maxLength: 500 },
      domain: { type: ['string', 'null'], pattern: '^[A-Za-z0-9 _\\-./@]{1,500}$' },
      status: { type: 'string', enum: ['pending', 'picked_up', 'all'] },
      // The enum bounds the integer: zod's safe-integer range goes.
      level: { type: 'integer', enum: [1, 2, 3] },
      // IsIn([true, false]) only restates the type.
      flag: { type: 'boolean' },
      user: { type: 'string', format: 'uuid' },
      tags: {
        anyOf: [
          { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 100, pattern: '^\\S+$' } },
          { type: 'null' },
        ],
      },
      caseless: { type: 'string' },
    });
    // The copied pattern accepts and refuses what the validator does.
    const pattern = new RegExp(properties.domain.pattern as string);
    expect(pattern.test('food/vegan @home')).toBe(true);
    expect(pattern.test('food;drop')).toBe(false);
  });

  it('keeps null allowed when an enum goes into a nullable schema', () => {
    class Nullable {
      @IsOptional()
      @IsIn(['a', 'b'])
      v?: string | null;
    }
    const properties: Record<string, Schema> = { v: { type: ['string', 'null'] } };
    applyInputRules(properties, Nullable);
    expect(properties.v).toEqual({ type: ['string', 'null'], enum: ['a', 'b', null] });
  });

  it('puts a rule only where it applies (numbers into number branches, strings into string ones)', () => {
    class Mixed {
      @IsInt()
      @Max(10)
      n: number;
    }
    const properties: Record<string, Schema> = { n: { anyOf: [{ type: 'number' }, { type: 'string' }, { type: 'null' }] } };
    applyInputRules(properties, Mixed);
    expect(properties.n).toEqual({ anyOf: [{ type: 'integer', maximum: 10 }, { type: 'string' }, { type: 'null' }] });
  });
});
