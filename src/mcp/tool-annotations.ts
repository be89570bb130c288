/** MCP tool annotations: what a tool does to the service's data (none of them reach the open world). */
export const readTool = { readOnlyHint: true, openWorldHint: false } as const;
export const writeTool = { readOnlyHint: false, destructiveHint: false, openWorldHint: false } as const;
export const deleteTool = { readOnlyHint: false, destructiveHint: true, openWorldHint: false } as const;
