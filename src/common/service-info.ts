import packageJson from '../../package.json';

export const SERVICE_NAME = 'Mnemo';
export const SERVICE_VERSION: string = packageJson.version;
export const SERVICE_DESCRIPTION =
  'Context and memory service for AI assistants: identity context, memories, preferences, ' +
  'projects, handoffs between agents, encrypted secrets and purpose-gated scoped memories ' +
  'with revocable grants and an audit trail. REST and MCP over one service layer.';
