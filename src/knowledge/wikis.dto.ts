import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PageDto } from '../common/http/paging';
import { PartialTitledDto, TitledDto } from '../common/http/titled.dto';
import { PG_INT_MAX } from '../common/http/validation';

const PARENT_RULE = 'parent_id must be an integer >= 0';
const TAGS_RULE = 'tags must be an array of at most 50 strings of 1-100 characters';

/** Section tags: case-sensitive, exact strings; duplicates in one request count once. */
const Tags = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({ type: [String], example: ['architecture'], description }),
    IsOptional(),
    IsArray({ message: TAGS_RULE }),
    ArrayMaxSize(50, { message: TAGS_RULE }),
    IsString({ each: true, message: TAGS_RULE }),
    MinLength(1, { each: true, message: TAGS_RULE }),
    MaxLength(100, { each: true, message: TAGS_RULE }),
  );

export class CreateWikiDto extends TitledDto {}
export class UpdateWikiDto extends PartialTitledDto {}

export class CreateWikiSectionDto extends TitledDto {
  @ApiPropertyOptional({ default: 0, description: '0 for a top-level section; else a section of the same wiki' })
  @IsOptional()
  @IsInt({ message: PARENT_RULE })
  @Min(0, { message: PARENT_RULE })
  @Max(PG_INT_MAX, { message: PARENT_RULE })
  parent_id?: number;

  @Tags('Case-sensitive; at most 50 of 1-100 characters')
  tags?: string[] | null;
}

/** `tags` replaces the section's whole set (`[]` clears it); absent or null leaves it. */
export class UpdateWikiSectionDto extends PartialTitledDto {
  @Tags('Replaces the whole set; [] clears it; absent or null leaves it')
  tags?: string[] | null;
}

/* Responses. */

const WIKI_ID = { type: 'integer', example: 3 } as const;
const SECTION_ID = { type: 'integer', example: 9 } as const;
const SECTION_PARENT = { type: 'integer', example: 0, description: '0 for a top-level section' } as const;
const TAGS: ApiPropertyOptions = { type: [String], example: ['ops', 'postgres'], description: 'Its tags, sorted' };

export class WikiDto {
  @ApiProperty(WIKI_ID) wiki_id: number;
  @ApiProperty({ example: 'Runbook' }) title: string;
  @ApiProperty({ type: String, nullable: true, example: 'How we operate Mnemo' }) description: string | null;
  @ApiProperty({ enum: ['owned', 'shared'], example: 'owned', description: 'owned by your user, or shared to it' }) access: 'owned' | 'shared';
  @ApiProperty({ type: 'integer', enum: [1, 2, 3], example: 3, description: 'Your access: 1 read, 2 read + edit, 3 full (always 3 for an owner)' })
  permission_level: number;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) updated_at: Date;
  @ApiProperty({ format: 'uri', description: 'Signed link to the wiki as an HTML document (GET /doc/wikis/{id}); it expires' })
  document_url: string;
}

export class WikiListDto extends PageDto {
  @ApiProperty({ type: [WikiDto], description: 'By wiki_id' }) wikis: WikiDto[];
}

export class WikiSectionDto {
  @ApiProperty(SECTION_ID) section_id: number;
  @ApiProperty(SECTION_PARENT) parent_id: number;
  @ApiProperty({ example: 'Backups' }) title: string;
  @ApiProperty({ type: String, nullable: true, example: 'Nightly, kept 30 days' }) description: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) updated_at: Date;
  @ApiProperty(TAGS) tags: string[];
}

export class WikiWithSectionsDto {
  @ApiProperty({ type: WikiDto }) wiki: WikiDto;
  @ApiProperty({ type: [WikiSectionDto], description: 'Every section with its tags, flat, by parent_id, section_id' })
  sections: WikiSectionDto[];
}

export class WikiSectionWithChildrenDto {
  @ApiProperty({ type: WikiSectionDto }) section: WikiSectionDto;
  @ApiProperty({ type: [WikiSectionDto], description: 'Immediate children, by section_id' }) children: WikiSectionDto[];
}

export class WikiTagsDto {
  @ApiProperty(WIKI_ID) wiki_id: number;
  @ApiProperty({ type: [String], example: ['ops', 'postgres'], description: 'Distinct tags of its sections, sorted' }) tags: string[];
}

/** A section found by tag, with its wiki. */
export class TaggedWikiSectionDto {
  @ApiProperty(WIKI_ID) wiki_id: number;
  @ApiProperty({ example: 'Runbook' }) wiki_title: string;
  @ApiProperty(SECTION_ID) section_id: number;
  @ApiProperty({ example: 'Backups' }) title: string;
  @ApiProperty({ type: String, nullable: true, example: 'Nightly, kept 30 days' }) description: string | null;
  @ApiProperty({ format: 'date-time' }) updated_at: Date;
  @ApiProperty(TAGS) tags: string[];
}

export class TaggedWikiSectionListDto extends PageDto {
  @ApiProperty({ example: 'ops', description: 'The tag searched' }) tag: string;
  @ApiProperty({ type: [TaggedWikiSectionDto], description: 'By wiki_id, section_id' }) sections: TaggedWikiSectionDto[];
}

export class WikiHeaderDto {
  @ApiProperty(WIKI_ID) wiki_id: number;
  @ApiProperty({ example: 'Runbook' }) title: string;
}

export class CreatedWikiDto {
  @ApiProperty({ type: WikiHeaderDto }) created: WikiHeaderDto;
}

export class UpdatedWikiDto {
  @ApiProperty({ type: WikiHeaderDto }) updated: WikiHeaderDto;
}

export class WikiSectionCreatedDto {
  @ApiProperty(SECTION_ID) section_id: number;
  @ApiProperty(SECTION_PARENT) parent_id: number;
  @ApiProperty({ example: 'Backups' }) title: string;
  @ApiProperty({ ...TAGS, description: 'Its tags as sent, duplicates removed ([] when none)' }) tags: string[];
}

export class CreatedWikiSectionDto {
  @ApiProperty({ type: WikiSectionCreatedDto }) created: WikiSectionCreatedDto;
}

export class WikiSectionUpdatedDto {
  @ApiProperty(SECTION_ID) section_id: number;
  @ApiProperty({ example: 'Backups' }) title: string;
  @ApiPropertyOptional({ ...TAGS, description: 'The new set as sent, duplicates removed; present only when the update gave tags' })
  tags?: string[];
}

export class UpdatedWikiSectionDto {
  @ApiProperty({ type: WikiSectionUpdatedDto }) updated: WikiSectionUpdatedDto;
}
