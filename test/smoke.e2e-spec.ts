import { connectMcp, toolJson } from './support/mcp-client';
import { startTestApp, TestApp } from './support/test-app';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('whoami over REST and MCP', async () => {
    const agent = await t.newAgent();
    const rest = await t.http().get('/whoami').set('X-Api-Key', agent.apiKey).expect(200);
    expect(rest.body.agent.name).toBe(agent.agentName);
    const mcp = await connectMcp(t.baseUrl);
    const result = await mcp.callTool({ name: 'whoami', arguments: { agent_key: agent.apiKey } });
    expect(toolJson(result)).toEqual(rest.body);
    await mcp.close();
  });
});
