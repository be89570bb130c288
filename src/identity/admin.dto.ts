import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageDto } from '../common/http/paging';
import { IsTimeZone } from '../common/time-zone.validator';
import { NAME_PATTERN, NAME_RULE, normalizeName } from '../common/names';

export class CreateUserDto {
  @ApiProperty({ example: 'rick', description: `User name: ${NAME_RULE}. Stored lowercase.` })
  @Transform(({ value }) => normalizeName(value))
  @IsString()
  @Matches(NAME_PATTERN, { message: `name must be ${NAME_RULE}` })
  name: string;

  @ApiPropertyOptional({ example: 'rick@example.com', nullable: true, type: String, maxLength: 320, description: 'E-mail address; absent or null: none' })
  @IsOptional()
  @IsEmail({}, { message: 'email must be an e-mail address' })
  @MaxLength(320)
  email?: string | null;

  @ApiPropertyOptional({
    example: 'America/Denver',
    nullable: true,
    type: String,
    description: 'IANA time zone; absent or null: DEFAULT_TIMEZONE.',
  })
  @IsOptional()
  @IsTimeZone()
  timezone?: string | null;
}

export class CreateAgentDto {
  @ApiProperty({ example: 'lucy', description: `Agent name, globally unique: ${NAME_RULE}. Stored lowercase.` })
  @Transform(({ value }) => normalizeName(value))
  @IsString()
  @Matches(NAME_PATTERN, { message: `name must be ${NAME_RULE}` })
  name: string;
}

export class CreateKeyDto {
  @ApiPropertyOptional({ example: 'laptop', maxLength: 200, nullable: true, type: String, description: 'What the key is for (shown in listings)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  label?: string | null;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'rick' }) name: string;
  @ApiProperty({ example: 'rick@example.com', nullable: true, type: String }) email: string | null;
  @ApiProperty({ example: 'America/Denver' }) timezone: string;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
}

export class UserListDto extends PageDto {
  @ApiProperty({ type: [UserDto] }) users: UserDto[];
}

export class AgentKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'laptop', nullable: true, type: String }) label: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time', nullable: true, type: Date }) last_used_at: Date | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: Date }) revoked_at: Date | null;
}

export class AgentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'lucy' }) name: string;
  @ApiProperty({ format: 'uuid' }) user_id: string;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time', nullable: true, type: Date }) last_seen_at: Date | null;
  @ApiProperty({ type: [AgentKeyDto] }) keys: AgentKeyDto[];
}

export class AgentListDto {
  @ApiProperty({ type: [AgentDto] }) agents: AgentDto[];
}

export class CreatedAgentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'lucy' }) name: string;
  @ApiProperty({ format: 'uuid' }) user_id: string;
  @ApiProperty({ format: 'uuid', description: 'Id of the key, for revocation.' }) key_id: string;
  @ApiProperty({ example: 'mnemo_ak_…', description: 'The agent key. Shown once; only its hash is stored.' })
  api_key: string;
}

export class CreatedKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'mnemo_ak_…', description: 'The agent key. Shown once; only its hash is stored.' })
  api_key: string;
}
