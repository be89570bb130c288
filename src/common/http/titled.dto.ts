import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';

/**
 * Title and description, the fields every LucyAPI record has. Absent fields
 * mean "unchanged" on update; `description: null` clears a description (REST
 * and MCP alike); `title: null` is refused.
 */

export const TITLE_RULE = 'title must be 1-500 characters';
export const DESCRIPTION_RULE = 'description must be a string of at most 100000 characters, or null';

export const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class TitledDto {
  @ApiProperty({ example: 'Communication style', maxLength: 500 })
  @Transform(trimmed)
  @IsString({ message: TITLE_RULE })
  @MinLength(1, { message: TITLE_RULE })
  @MaxLength(500, { message: TITLE_RULE })
  title: string;

  @ApiPropertyOptional({ example: 'Plain, direct, no filler.', nullable: true, type: String, maxLength: 100000 })
  @IsOptional()
  @IsString({ message: DESCRIPTION_RULE })
  @MaxLength(100000, { message: DESCRIPTION_RULE })
  description?: string | null;
}

export class PartialTitledDto {
  @ApiPropertyOptional({ maxLength: 500, description: 'Absent = unchanged; null is refused' })
  @ValidateIf((o: PartialTitledDto) => o.title !== undefined)
  @Transform(trimmed)
  @IsString({ message: TITLE_RULE })
  @MinLength(1, { message: TITLE_RULE })
  @MaxLength(500, { message: TITLE_RULE })
  title?: string;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 100000, description: 'Absent = unchanged; null clears it' })
  @IsOptional()
  @IsString({ message: DESCRIPTION_RULE })
  @MaxLength(100000, { message: DESCRIPTION_RULE })
  description?: string | null;
}

