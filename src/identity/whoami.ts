import { ApiProperty } from '@nestjs/swagger';
import { Caller } from '../common/auth/actor';

class WhoamiAgentDto {
  @ApiProperty({ example: '0b8f3c1e-3a51-4a8e-9b0e-5f0d2b1c7e42' }) id: string;
  @ApiProperty({ example: 'assistant' }) name: string;
}

class WhoamiUserDto {
  @ApiProperty({ example: '6a1d2f0e-8c7b-4e39-a3d5-0f9e8b7c6d51' }) id: string;
  @ApiProperty({ example: 'demo' }) name: string;
  @ApiProperty({ example: 'UTC' }) timezone: string;
}

export class WhoamiDto {
  @ApiProperty() agent: WhoamiAgentDto;
  @ApiProperty() user: WhoamiUserDto;
}

/** Who the presented key belongs to. */
export function whoami(caller: Caller): WhoamiDto {
  return {
    agent: { id: caller.agentId, name: caller.agentName },
    user: { id: caller.userId, name: caller.userName, timezone: caller.timeZone },
  };
}
