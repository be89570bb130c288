import { ApiProperty } from '@nestjs/swagger';

/** GET /healthz: the process answers. */
export class HealthzDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' }) status: 'ok';
}

/** GET /healthz/live. */
export class LivenessDto {
  @ApiProperty({ enum: ['alive'], example: 'alive' }) status: 'alive';
}

/** GET /healthz/ready (when not ready: a 503 problem). */
export class ReadinessDto {
  @ApiProperty({ enum: ['ready'], example: 'ready' }) status: 'ready';
  @ApiProperty({ enum: ['up'], example: 'up' }) database: 'up';
}

/** GET /health, LucyAPI's shape: 200 ok/connected, or 503 degraded/error with the same fields. */
export class HealthDto {
  @ApiProperty({ enum: ['ok', 'degraded'], example: 'ok' }) status: 'ok' | 'degraded';
  @ApiProperty({ enum: ['connected', 'error'], example: 'connected' }) database: 'connected' | 'error';
}
