import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { Caller } from '../common/auth/actor';
import { CurrentCaller, OptionalAgent } from '../common/auth/access.decorators';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { TimeDto } from './time.dto';
import { TimeService, type TimeView } from './time.service';

export class TimeQueryDto {
  @ApiPropertyOptional({
    example: 'America/Denver',
    maxLength: 64,
    description: "IANA time zone. Default: the calling agent's user timezone, else DEFAULT_TIMEZONE.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  tz?: string;
}

@ApiTags('system')
@Controller('time')
export class TimeController {
  constructor(
    private readonly time: TimeService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @OptionalAgent()
  @ApiOperation({
    operationId: 'getTime',
    summary: 'Current time, for temporal grounding',
    description: "In `?tz=`, else the calling agent's user timezone (when a valid key is sent), else DEFAULT_TIMEZONE.",
  })
  @ApiOkResponse({ type: TimeDto })
  now(@Query() query: TimeQueryDto, @CurrentCaller() caller?: Caller): TimeView {
    return this.time.now(query.tz ?? caller?.timeZone ?? this.config.defaultTimeZone);
  }
}
