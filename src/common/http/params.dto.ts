import { ApiParam } from '@nestjs/swagger';
import { NAME_PARAM_PATTERN } from '../names';
import { PG_INT_MAX } from './validation';

/**
 * Path parameters as the documentation states them. The schemas of ids and
 * UUIDs are also derived from their pipes (ParseId, ParseUuid) when the
 * document is built (see system/openapi.ts), so the two cannot disagree.
 */

/** A row id in the path, checked by ParseId: decimal digits, 1 to 2147483647. */
export const ApiIdParam = (name: string, description: string) =>
  ApiParam({ name, description, schema: { type: 'integer', minimum: 1, maximum: PG_INT_MAX } });

/** A UUID in the path, checked by ParseUuid. */
export const ApiUuidParam = (name: string, description: string) => ApiParam({ name, description, schema: { type: 'string', format: 'uuid' } });

/** `{name}` of the agent-scoped routes: an agent of the caller's user, named case-insensitively. */
export const ApiAgentNameParam = () =>
  ApiParam({
    name: 'name',
    description:
      "An agent of your user, by name (case-insensitive: 1-64 characters of a-z, 0-9, _ and -). Another user's agent or an unknown name is a 404.",
    schema: { type: 'string', pattern: NAME_PARAM_PATTERN, maxLength: 64 },
  });
