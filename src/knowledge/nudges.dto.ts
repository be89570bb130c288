import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsISO8601, IsOptional, Matches, ValidateIf } from 'class-validator';
import { PartialTitledDto, TitledDto } from '../common/http/titled.dto';

const DUE_RULE = 'due_date must be a date YYYY-MM-DD, or null for ASAP';

/** A calendar date (YYYY-MM-DD) that exists. */
const DueDate = () => applyDecorators(Matches(/^\d{4}-\d{2}-\d{2}$/, { message: DUE_RULE }), IsISO8601({ strict: true }, { message: DUE_RULE }));

export class CreateNudgeDto extends TitledDto {
  @ApiPropertyOptional({ example: '2026-12-01', nullable: true, type: String, description: 'Absent or null: ASAP' })
  @IsOptional()
  @DueDate()
  due_date?: string | null;
}

export class UpdateNudgeDto extends PartialTitledDto {
  @ApiPropertyOptional({ example: '2026-12-01', nullable: true, type: String, description: 'A new date; null makes it ASAP; absent keeps it' })
  @ValidateIf((o: UpdateNudgeDto) => o.due_date !== undefined && o.due_date !== null)
  @DueDate()
  due_date?: string | null;

  @ApiPropertyOptional({ description: "LucyAPI's way to make it ASAP (same as due_date: null)" })
  @IsOptional()
  @IsBoolean({ message: 'clear_due_date must be true or false' })
  clear_due_date?: boolean;
}
