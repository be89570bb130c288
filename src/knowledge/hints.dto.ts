import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { PartialTitledDto, TitledDto } from '../common/http/titled.dto';
import { PG_INT_MAX } from '../common/http/validation';

const PARENT_RULE = 'parent_id must be an integer >= 0';

export class CreateHintCategoryDto extends TitledDto {}

export class CreateHintDto extends TitledDto {
  @ApiPropertyOptional({ default: 0, description: '0 creates a category (a root hint); else the parent hint' })
  @IsOptional()
  @IsInt({ message: PARENT_RULE })
  @Min(0, { message: PARENT_RULE })
  @Max(PG_INT_MAX, { message: PARENT_RULE })
  parent_id?: number;
}

export class UpdateHintDto extends PartialTitledDto {}
