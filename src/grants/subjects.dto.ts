import { ApiProperty } from '@nestjs/swagger';
import { MemoryDto } from '../memories/scoped-memories.dto';
import { GrantDto } from './scoped-reads.dto';

export class ErasedDto {
  @ApiProperty({ type: 'integer', example: 3, description: 'Memories deleted (the subject’s grants are deleted too)' }) deleted: number;
}

export class SubjectExportDto {
  @ApiProperty({ example: 'user_123' }) user_id: string;
  @ApiProperty({ format: 'date-time' }) exported_at: Date;
  @ApiProperty({ type: [MemoryDto], description: 'Every memory, expired ones included' }) memories: MemoryDto[];
  @ApiProperty({ type: [GrantDto], description: 'Every grant, revoked and expired ones included (never a token)' })
  grants: GrantDto[];
}
