import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../common/auth/access.decorators';
import { AppError } from '../common/errors/app-error';
import { ApiProblem } from '../common/http/problem.dto';
import { HealthDto, HealthzDto, LivenessDto, ReadinessDto } from './health.dto';

const DB_PING_TIMEOUT_MS = 1500;

@ApiTags('system')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
  ) {}

  private async databaseIsUp(): Promise<boolean> {
    try {
      await this.health.check([() => this.db.pingCheck('database', { timeout: DB_PING_TIMEOUT_MS })]);
      return true;
    } catch {
      return false;
    }
  }

  @Get('healthz')
  @ApiOperation({ operationId: 'getProcessHealth', summary: 'Process health (no dependency checks)' })
  @ApiOkResponse({ type: HealthzDto })
  healthz(): HealthzDto {
    return { status: 'ok' };
  }

  @Get('healthz/live')
  @ApiOperation({ operationId: 'getLiveness', summary: 'Liveness probe' })
  @ApiOkResponse({ type: LivenessDto })
  live(): LivenessDto {
    return { status: 'alive' };
  }

  @Get('healthz/ready')
  @ApiOperation({ operationId: 'getReadiness', summary: 'Readiness probe: PostgreSQL answers within 1.5 s' })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiProblem(503, 'The database is not available')
  async ready(): Promise<ReadinessDto> {
    if (!(await this.databaseIsUp())) throw AppError.unavailable('Database not available');
    return { status: 'ready', database: 'up' };
  }

  @Get('health')
  @ApiOperation({ operationId: 'getHealth', summary: 'Health with database status (LucyAPI shape; 503 when degraded)' })
  @ApiOkResponse({ type: HealthDto, description: 'status ok, database connected' })
  @ApiServiceUnavailableResponse({ type: HealthDto, description: 'status degraded, database error (this body, not a problem)' })
  async healthWithDatabase(@Res({ passthrough: true }) res: Response): Promise<HealthDto> {
    if (await this.databaseIsUp()) return { status: 'ok', database: 'connected' };
    res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'degraded', database: 'error' };
  }
}
