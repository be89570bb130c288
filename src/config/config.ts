import * as path from 'node:path';
import { z } from 'zod';
import { isValidTimeZone } from '../common/time-zone';
import { TIME_ZONE_RULE } from '../common/time-zone.validator';

/** DI token for the validated, typed configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');

const booleanFlag = z
  .string()
  .transform((v) => v.toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const intBetween = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .min(min, `must be between ${min} and ${max}`)
    .max(max, `must be between ${min} and ${max}`);

const origin = z
  .string()
  .refine((v) => v === '*' || /^https?:\/\/[^/\s]+$/.test(v), {
    message: 'must be a comma-separated list of origins like https://app.example.com (no path), or *',
  });

const envSchema = z.object({
  PORT: intBetween(1, 65535).default(8100),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  MNEMO_HOME: z.string().min(1).default('./.mnemo'),
  MNEMO_ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').max(512).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(origin)),
  PUBLIC_BASE_URL: z
    .string()
    .regex(/^https?:\/\/[^\s?#]+$/, 'must be an http(s) URL without query or fragment')
    .optional(),
  DEFAULT_TIMEZONE: z
    .string()
    .default('UTC')
    .refine(isValidTimeZone, TIME_ZONE_RULE),
  MNEMO_ALLOW_QUERY_KEYS: booleanFlag.default(false),
  MERGE_LIMIT: intBetween(1, 500).default(50),
  GRANT_TTL_HOURS: intBetween(1, 8760).default(24),
  MEMORY_RETENTION_DAYS: intBetween(0, 3650).default(30),
  DOC_LINK_SECRET: z.string().min(32, 'must be at least 32 characters').max(512).optional(),
  DOC_LINK_TTL_HOURS: intBetween(1, 720).default(24),
  SECRETS_KEYS: z.string().max(20_000).optional(),
  SECRETS_KEY_FILE: z.string().min(1).optional(),
  AUDIT_RETENTION_DAYS: intBetween(1, 36500).default(365),
  AUDIT_SEAL_INTERVAL_MS: intBetween(100, 60_000).default(1000),
  IMAGE_MAX_BYTES: intBetween(1024, 50 * 1024 * 1024).default(10 * 1024 * 1024),
  MCP_IMAGE_MAX_BYTES: intBetween(0, 50 * 1024 * 1024).default(1024 * 1024),
});

/** The variables the service reads (the bench and test launchers clear the others' inherited values). */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape) as (keyof typeof envSchema.shape)[];

/** The environment, validated, as the typed configuration: AppConfig is this schema's output. */
const configSchema = envSchema.transform((e) => ({
  port: e.PORT,
  host: e.HOST,
  /** Unset means: start the embedded PostgreSQL under `home`. */
  databaseUrl: e.DATABASE_URL,
  home: path.resolve(e.MNEMO_HOME),
  /** Unset means: generated on first start and kept in `$MNEMO_HOME/admin-token`. */
  adminToken: e.MNEMO_ADMIN_TOKEN,
  logLevel: e.LOG_LEVEL,
  logFormat: e.LOG_FORMAT,
  corsOrigins: e.CORS_ORIGINS,
  publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/+$/, ''),
  defaultTimeZone: e.DEFAULT_TIMEZONE,
  allowQueryKeys: e.MNEMO_ALLOW_QUERY_KEYS,
  /** Scoped memories: how many of the newest a read merges. */
  mergeLimit: e.MERGE_LIMIT,
  /** Lifetime of a read grant (revocation token). */
  grantTtlHours: e.GRANT_TTL_HOURS,
  /** Scoped memories and grants expired longer than this are deleted by the sweep. */
  memoryRetentionDays: e.MEMORY_RETENTION_DAYS,
  /** Signs document links; unset means generated on first start into `$MNEMO_HOME/doc-link-secret`. */
  docLinkSecret: e.DOC_LINK_SECRET,
  /** How long a signed document link opens. */
  docLinkTtlHours: e.DOC_LINK_TTL_HOURS,
  /** The secrets key ring as configured (`id:base64,…`, newest last); parsed by secrets/key-ring.ts. */
  secretsKeys: e.SECRETS_KEYS,
  /** A 32-byte raw key file (LucyAPI's format), used as key id 1. */
  secretsKeyFile: e.SECRETS_KEY_FILE,
  /** Audit events older than this are pruned; the chain stays verifiable from the retained anchor. */
  auditRetentionDays: e.AUDIT_RETENTION_DAYS,
  /** How often the audit sealer links newly committed events into the hash chains. */
  auditSealIntervalMs: e.AUDIT_SEAL_INTERVAL_MS,
  /** The largest image accepted (upload, fetch or generation), in bytes. */
  imageMaxBytes: e.IMAGE_MAX_BYTES,
  /** Images up to this size also go back to MCP clients as image content (0: never). */
  mcpImageMaxBytes: e.MCP_IMAGE_MAX_BYTES,
}));

export type AppConfig = z.output<typeof configSchema>;

export class ConfigError extends Error {}

/** Validates the environment once; any invalid variable is named in the thrown message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // An empty value (common in .env files) means "not set".
  const present = Object.fromEntries(
    CONFIG_VARIABLES
      .map((k) => [k, env[k]?.trim()])
      .filter(([, v]) => v),
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
