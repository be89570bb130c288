import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBase64, IsBoolean, IsDefined, IsIn, IsOptional, IsString } from 'class-validator';
import { PageQueryDto } from '../common/http/paging';
import { BooleanFromQuery } from '../common/http/validation';
import { ACCEPTED_MIME_TYPES } from './image-bytes';

const MIME_RULE = `mime_type must be one of ${ACCEPTED_MIME_TYPES.join(', ')}`;

export class UploadImageDto {
  @ApiProperty({ description: 'The image bytes, base64 (PNG, JPEG, WebP or GIF, read from the bytes; at most IMAGE_MAX_BYTES)' })
  @IsDefined({ message: 'data_base64 is required' })
  @IsString({ message: 'data_base64 must be base64 text' })
  @IsBase64({}, { message: 'data_base64 must be base64 text' })
  data_base64: string;

  @ApiPropertyOptional({ enum: ACCEPTED_MIME_TYPES, description: 'What you believe it is; refused when the bytes say otherwise' })
  @IsOptional()
  @IsIn(ACCEPTED_MIME_TYPES, { message: MIME_RULE })
  mime_type?: string;

  @ApiPropertyOptional({ default: false, description: 'Protect it from cleanup and from delete without force' })
  @IsOptional()
  @IsBoolean({ message: 'keep must be true or false' })
  keep?: boolean;
}

export class UpdateImageDto {
  @ApiProperty({ description: 'Protect it from cleanup and from delete without force (true), or not (false)' })
  @IsDefined({ message: 'keep is required' })
  @IsBoolean({ message: 'keep must be true or false' })
  keep: boolean;
}

export class ImageListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only kept (true) or only unkept (false) images' })
  @BooleanFromQuery()
  @IsOptional()
  @IsBoolean({ message: 'keep must be true or false' })
  keep?: boolean;
}

export class DeleteImageQueryDto {
  @ApiPropertyOptional({ default: false, description: 'Delete even when it is kept' })
  @BooleanFromQuery()
  @IsOptional()
  @IsBoolean({ message: 'force must be true or false' })
  force?: boolean;
}

export class ImageDto {
  @ApiProperty({ format: 'uuid' }) image_id: string;
  @ApiProperty({ format: 'uri', description: 'Signed link that opens the bytes without a key, until it expires (DOC_LINK_TTL_HOURS)' })
  url: string;
  @ApiProperty({ example: 'img_5b0c2c8e.png' }) filename: string;
  @ApiProperty({ enum: ['uploaded', 'generated', 'edited'] }) source: string;
  @ApiProperty({ type: String, nullable: true }) prompt: string | null;
  @ApiProperty({ type: String, nullable: true }) model: string | null;
  @ApiProperty() keep: boolean;
  @ApiProperty({ enum: ACCEPTED_MIME_TYPES }) mime_type: string;
  @ApiProperty({ type: 'integer' }) size_bytes: number;
  @ApiProperty({ type: 'integer' }) width: number;
  @ApiProperty({ type: 'integer' }) height: number;
  @ApiProperty({ description: 'SHA-256 of the bytes, hex' }) sha256: string;
  @ApiProperty({ type: String, nullable: true, description: 'The agent that made it (null once that agent is deleted)' }) agent: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
}

export class ImageListDto {
  @ApiProperty({ type: [ImageDto] }) images: ImageDto[];
  @ApiProperty({ type: 'integer' }) total: number;
  @ApiProperty({ type: 'integer' }) limit: number;
  @ApiProperty({ type: 'integer' }) offset: number;
}

export class ImagesDeletedDto {
  @ApiProperty({ type: 'integer', description: 'Unkept images deleted' }) deleted: number;
}
