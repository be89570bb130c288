import { z } from 'zod';
import { toolParams } from '../mcp/tool-params';
import { SCOPES } from '../policy/policy.constants';
import { SubjectQueryDto } from './scoped-memories.dto';

/**
 * MCP argument descriptions shared by the scoped-memory, scoped-read and subject
 * tools. Their limits (patterns, lengths, ranges) are the DTOs': toolParams
 * copies them into the advertised schema.
 */
export const subjectArg = z.string().describe("The subject the memory is about (letters, digits, _ - . @ :), e.g. 'user_123'");
export const scopeArg = z.enum(SCOPES).describe('The scope');
export const domainArg = z.string().nullable().optional().describe('Optional sub-area (e.g. "food"); null or absent: none. Reads match it exactly');
export const maxAgeDaysArg = z.number().int().nullable().optional().describe('Only memories created within this many days');

/** The arguments of a tool about one whole subject (its grants, export, erasure): `user_id`, as the REST query or body. */
export const subjectParams = toolParams({ user_id: subjectArg }, SubjectQueryDto);
