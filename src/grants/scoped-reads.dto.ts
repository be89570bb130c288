import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateIf } from 'class-validator';
import { DomainField, MaxAgeDaysField, ScopeField, SubjectField } from '../memories/memory-fields';
import { PURPOSE_CLASS_RULE, PURPOSE_CLASSES, SCOPES } from '../policy/policy.constants';

export class ReadMemoryDto {
  @SubjectField() user_id: string;
  @ScopeField() scope: (typeof SCOPES)[number];
  @DomainField() domain?: string | null;

  @ApiPropertyOptional({
    example: 'generate personalized food recommendations',
    maxLength: 1000,
    description:
      'Why the memories are read (kept in the audit trail). Classified into a purpose class by keyword ' +
      'unless purpose_class is given; a purpose matching no class is denied. Required without purpose_class.',
  })
  @ValidateIf((o: ReadMemoryDto) => o.purpose_class == null || o.purpose != null)
  @IsDefined({ message: 'purpose is required unless purpose_class is given' })
  @IsString({ message: 'purpose must be a string' })
  @MaxLength(1000, { message: 'purpose may be at most 1000 characters' })
  // eslint-disable-next-line no-control-regex -- U+0000 is exactly what is refused (PostgreSQL text cannot hold it)
  @Matches(/^[^\u0000]*$/, { message: 'purpose may not contain U+0000' })
  purpose?: string;

  @ApiPropertyOptional({ enum: PURPOSE_CLASSES, description: 'The purpose class, named explicitly (wins over purpose).' })
  @IsOptional()
  @IsIn(PURPOSE_CLASSES, { message: `purpose_class ${PURPOSE_CLASS_RULE}` })
  purpose_class?: (typeof PURPOSE_CLASSES)[number];

  @MaxAgeDaysField() max_age_days?: number | null;
}

export class TokenDto {
  @ApiProperty({ description: 'The revocation token a read returned.' })
  @IsString({ message: 'revocation_token must be a string' })
  @MaxLength(200, { message: 'revocation_token may be at most 200 characters' })
  revocation_token: string;
}

/** A grant to revoke: by the token a read returned, or by the id GET /memory/grants lists (exactly one). */
export class RevokeGrantDto {
  @ApiPropertyOptional({ description: 'The revocation token a read returned. Give this or grant_id.' })
  @ValidateIf((o: RevokeGrantDto) => o.grant_id === undefined || o.revocation_token !== undefined)
  @IsDefined({ message: 'Give revocation_token or grant_id' })
  @IsString({ message: 'revocation_token must be a string' })
  @MaxLength(200, { message: 'revocation_token may be at most 200 characters' })
  revocation_token?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The grant id from GET /memory/grants (or list_read_grants). Give this or revocation_token.' })
  @ValidateIf((o: RevokeGrantDto) => o.grant_id !== undefined)
  @IsUUID('all', { message: 'grant_id must be a UUID' })
  grant_id?: string;
}

export class ContinueReadDto extends TokenDto {
  @MaxAgeDaysField() max_age_days?: number | null;
}

export class ReadResultDto {
  @ApiProperty({ example: 'Likes: 2, Dislikes: 1, Settings: 0' }) summary_text: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { likes: ['coffee', 'tea'], dislikes: ['milk'], settings: {} },
    description:
      'The merged memories, shaped by scope: preferences {likes, dislikes, settings}, communication {preferences}, ' +
      'accessibility {flags, settings}, attention {settings}, …; {} when none.',
  })
  summary_struct: Record<string, unknown>;
  @ApiProperty({ example: 0.6, minimum: 0, maximum: 0.9, description: 'min(0.9, 0.5 + 0.1 × memories merged); 0 when none' }) confidence: number;
  @ApiProperty({ description: 'Token to continue or revoke this read; shown with every read and continue.' })
  revocation_token: string;
  @ApiProperty({ format: 'date-time', description: 'When the grant expires' }) expires_at: Date;
}

export class RevokedDto {
  @ApiProperty({ type: Boolean, example: true, description: 'Always true' }) revoked: true;
  @ApiProperty({ format: 'date-time' }) revoked_at: Date;
}

export class RevokedCountDto {
  @ApiProperty({ type: 'integer', example: 2, description: 'Grants revoked (0 when none was active)' }) revoked: number;
}

export class GrantDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'user_123', description: 'The subject' }) user_id: string;
  @ApiProperty({ enum: SCOPES }) scope: string;
  @ApiProperty({ nullable: true, type: String }) domain: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The purpose as sent (null when only purpose_class was given)' }) purpose: string | null;
  @ApiProperty({ enum: PURPOSE_CLASSES }) purpose_class: string;
  @ApiProperty({ nullable: true, type: 'integer' }) max_age_days: number | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The agent that read' }) agent_id: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) expires_at: Date;
  @ApiProperty({ format: 'date-time', nullable: true, type: Date }) revoked_at: Date | null;
}

export class GrantListDto {
  @ApiProperty({ type: [GrantDto] }) grants: GrantDto[];
}
