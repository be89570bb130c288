import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { isUUID } from 'class-validator';
import { NAME_PARAM_PATTERN, NAME_PATTERN, NAME_RULE } from '../common/names';
import { validationFailed } from '../common/http/validation';
import { AgentsService } from './agents.service';
import { UsersService } from './users.service';

/**
 * `{user}` and `{agent}` of the operator routes: an id, or a name as the CLI
 * takes it (case-insensitive), resolved to the id before the controller runs.
 * A UUID is always read as an id.
 */
function idOrName(value: string, metadata: ArgumentMetadata): { id: string } | { name: string } {
  if (isUUID(value)) return { id: value.toLowerCase() };
  const name = value.toLowerCase();
  if (NAME_PATTERN.test(name)) return { name };
  const field = metadata.data ?? 'id';
  throw validationFailed([{ field, message: `${field} must be a UUID or a name (${NAME_RULE})` }]);
}

@Injectable()
export class ParseUserRef implements PipeTransform<string, Promise<string>> {
  constructor(private readonly users: UsersService) {}

  async transform(value: string, metadata: ArgumentMetadata): Promise<string> {
    const ref = idOrName(value, metadata);
    return 'id' in ref ? ref.id : (await this.users.getByName(ref.name)).id;
  }
}

@Injectable()
export class ParseAgentRef implements PipeTransform<string, Promise<string>> {
  constructor(private readonly agents: AgentsService) {}

  async transform(value: string, metadata: ArgumentMetadata): Promise<string> {
    const ref = idOrName(value, metadata);
    return 'id' in ref ? ref.id : (await this.agents.getByName(ref.name)).id;
  }
}

/** A path parameter read by ParseUserRef or ParseAgentRef (a UUID also matches the name pattern). */
export const ApiIdOrNameParam = (name: string, description: string) =>
  ApiParam({ name, description: `${description}: its id or its name`, schema: { type: 'string', pattern: NAME_PARAM_PATTERN } });
