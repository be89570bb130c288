import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsOptional, IsString, Matches, ValidateBy } from 'class-validator';
import { PageDto } from '../common/http/paging';
import { validationFailed } from '../common/http/validation';
import { NAME_PATTERN, NAME_RULE, normalizeName } from '../common/names';

export const SECRET_KEY_PATTERN = /^[A-Za-z0-9_.-]{1,200}$/;
export const SECRET_KEY_RULE = 'key must be 1-200 characters of A-Z, a-z, 0-9, _, . and -';
export const SECRET_VALUE_MAX_BYTES = 64 * 1024;
export const SECRET_READERS_MAX = 100;

/** A secret's name in a path (`/secrets/{key}`): 422 unless it follows the key rule. */
@Injectable()
export class ParseSecretKey implements PipeTransform<string, string> {
  transform(value: string, _metadata?: ArgumentMetadata): string {
    if (SECRET_KEY_PATTERN.test(value)) return value;
    throw validationFailed([{ field: 'key', message: SECRET_KEY_RULE }]);
  }
}

/** At most `maxBytes` once encoded as UTF-8 (lone surrogates are refused before validation: see refuseUnsafeJson). */
const MaxUtf8Bytes = (maxBytes: number) =>
  ValidateBy({
    name: 'maxUtf8Bytes',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && Buffer.byteLength(value, 'utf8') <= maxBytes,
      defaultMessage: (args) => `${args?.property ?? 'value'} must be at most ${maxBytes} bytes of UTF-8`,
    },
  });

export class PutSecretDto {
  @ApiProperty({ example: 'xoxb-…', description: 'UTF-8 text up to 64 KB (65,536 bytes); the empty string is a valid value' })
  @IsString({ message: 'value must be a string' })
  @MaxUtf8Bytes(SECRET_VALUE_MAX_BYTES)
  value: string;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    example: ['lucy'],
    description:
      'Names of your agents that may read the value. null: every agent of your user. Absent: unchanged when replacing (every agent when creating).',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value.map(normalizeName) : value))
  @IsArray({ message: 'readers must be a list of agent names, or null' })
  @ArrayMaxSize(SECRET_READERS_MAX, { message: `readers may name at most ${SECRET_READERS_MAX} agents` })
  @IsString({ each: true, message: 'readers must be a list of agent names, or null' })
  @Matches(NAME_PATTERN, { each: true, message: `each reader must be an agent name (${NAME_RULE})` })
  readers?: string[] | null;

  @ApiPropertyOptional({
    description: 'true: the value is never returned by GET, only used by the service itself. Absent: unchanged when replacing (false when creating).',
  })
  @IsOptional()
  @IsBoolean({ message: 'write_only must be true or false' })
  write_only?: boolean;
}

/** MCP arguments naming one secret (the REST path's key). */
export class SecretKeyArgs {
  @IsString({ message: SECRET_KEY_RULE })
  @Matches(SECRET_KEY_PATTERN, { message: SECRET_KEY_RULE })
  key: string;
}

/** MCP `set_secret`: the key and the PUT body. */
export class SetSecretArgs extends PutSecretDto {
  @IsString({ message: SECRET_KEY_RULE })
  @Matches(SECRET_KEY_PATTERN, { message: SECRET_KEY_RULE })
  key: string;
}

export class SecretMetaDto {
  @ApiProperty({ example: 'slack_token' })
  key: string;
  @ApiProperty({ format: 'date-time' })
  created_at: Date;
  @ApiProperty({ format: 'date-time', description: 'When the value or its settings last changed' })
  updated_at: Date;
  @ApiProperty({ type: [String], nullable: true, example: ['lucy'], description: 'Agents that may read it; null: every agent of the user' })
  readers: string[] | null;
  @ApiProperty({ description: 'Never returned by GET /secrets/{key}' })
  write_only: boolean;
}

export class SecretListDto extends PageDto {
  @ApiProperty({ type: [SecretMetaDto], description: 'By key; names, readers and flags, never values' }) secrets: SecretMetaDto[];
}

export class SecretValueDto {
  @ApiProperty({ example: 'slack_token' }) key: string;
  @ApiProperty({ example: 'xoxb-…', description: 'The decrypted value' }) value: string;
}

export class SavedSecretDto {
  @ApiProperty({ type: SecretMetaDto }) saved: SecretMetaDto;
}
