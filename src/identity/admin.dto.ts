import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsTimeZone } from '../common/time-zone.validator';
import { NAME_PATTERN, NAME_RULE, normalizeName } from './names';

export class CreateUserDto {
  @ApiProperty({ example: 'rick', description: `User name: ${NAME_RULE}. Stored lowercase.` })
  @Transform(({ value }) => normalizeName(value))
  @IsString()
  @Matches(NAME_PATTERN, { message: `name must be ${NAME_RULE}` })
  name: string;

  @ApiPropertyOptional({ example: 'rick@example.com', nullable: true })
  @IsOptional()
  @IsEmail({}, { message: 'email must be an e-mail address' })
  @MaxLength(320)
  email?: string | null;

  @ApiPropertyOptional({ example: 'America/Denver', description: 'IANA time zone; default DEFAULT_TIMEZONE.' })
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
  @ApiPropertyOptional({ example: 'laptop', maxLength: 200, nullable: true })
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

export class UserListDto {
  @ApiProperty({ type: [UserDto] }) users: UserDto[];
  @ApiProperty({ example: 1 }) total: number;
  @ApiProperty({ example: 200 }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
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
