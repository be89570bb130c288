import * as path from 'node:path';
import { generateAdminToken } from '../common/credentials';
import { ConfigError, loadConfig } from './config';

/** The thrown ConfigError for an environment, failing the test when none is thrown. */
function configErrorFor(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  describe('defaults', () => {
    const config = loadConfig({});

    it('listens on 127.0.0.1:8100', () => {
      expect(config.port).toBe(8100);
      expect(config.host).toBe('127.0.0.1');
    });

    it('logs JSON at info level', () => {
      expect(config.logFormat).toBe('json');
      expect(config.logLevel).toBe('info');
    });

    it('uses UTC as the default time zone', () => {
      expect(config.defaultTimeZone).toBe('UTC');
    });

    it('refuses query-string keys', () => {
      expect(config.allowQueryKeys).toBe(false);
    });

    it('leaves the database and admin token unset (embedded PostgreSQL, generated token)', () => {
      expect(config.databaseUrl).toBeUndefined();
      expect(config.adminToken).toBeUndefined();
    });

    it('keeps data under ./.mnemo, resolved to an absolute path', () => {
      expect(config.home).toBe(path.resolve('./.mnemo'));
      expect(path.isAbsolute(config.home)).toBe(true);
    });

    it('allows no CORS origins', () => {
      expect(config.corsOrigins).toEqual([]);
    });

    it('derives the public base URL from host and port', () => {
      expect(config.publicBaseUrl).toBe('http://127.0.0.1:8100');
      expect(loadConfig({ HOST: '0.0.0.0', PORT: '9000' }).publicBaseUrl).toBe('http://0.0.0.0:9000');
    });

    it('reads process.env when called without arguments', () => {
      const saved = process.env.PORT;
      process.env.PORT = '8123';
      try {
        expect(loadConfig().port).toBe(8123);
      } finally {
        if (saved === undefined) delete process.env.PORT;
        else process.env.PORT = saved;
      }
    });
  });

  describe('valid values', () => {
    it('reads every variable', () => {
      const token = 'x'.repeat(24);
      const config = loadConfig({
        PORT: '9001',
        HOST: '0.0.0.0',
        DATABASE_URL: 'postgres://u:p@db:5432/mnemo',
        MNEMO_HOME: '/var/lib/mnemo',
        MNEMO_ADMIN_TOKEN: token,
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'pretty',
        CORS_ORIGINS: 'https://app.example.com',
        PUBLIC_BASE_URL: 'https://mnemo.example.com',
        DEFAULT_TIMEZONE: 'America/Denver',
        MNEMO_ALLOW_QUERY_KEYS: 'true',
        MERGE_LIMIT: '500',
        GRANT_TTL_HOURS: '1',
        MEMORY_RETENTION_DAYS: '0',
        DOC_LINK_SECRET: 's'.repeat(32),
        DOC_LINK_TTL_HOURS: '720',
        SECRETS_KEYS: '1:a2V5',
        SECRETS_KEY_FILE: '/keys/secrets.key',
        AUDIT_RETENTION_DAYS: '30',
        AUDIT_SEAL_INTERVAL_MS: '250',
        IMAGE_MAX_BYTES: '2048',
        MCP_IMAGE_MAX_BYTES: '0',
      });
      expect(config).toEqual({
        port: 9001,
        host: '0.0.0.0',
        databaseUrl: 'postgres://u:p@db:5432/mnemo',
        home: '/var/lib/mnemo',
        adminToken: token,
        logLevel: 'debug',
        logFormat: 'pretty',
        corsOrigins: ['https://app.example.com'],
        publicBaseUrl: 'https://mnemo.example.com',
        defaultTimeZone: 'America/Denver',
        allowQueryKeys: true,
        mergeLimit: 500,
        grantTtlHours: 1,
        memoryRetentionDays: 0,
        docLinkSecret: 's'.repeat(32),
        docLinkTtlHours: 720,
        secretsKeys: '1:a2V5',
        secretsKeyFile: '/keys/secrets.key',
        auditRetentionDays: 30,
        auditSealIntervalMs: 250,
        imageMaxBytes: 2048,
        mcpImageMaxBytes: 0,
      });
    });

    it('defaults the image limits to 10 MB (upload) and 1 MB (MCP image content); refuses values out of range', () => {
      expect(loadConfig({})).toMatchObject({ imageMaxBytes: 10 * 1024 * 1024, mcpImageMaxBytes: 1024 * 1024 });
      expect(() => loadConfig({ IMAGE_MAX_BYTES: '1023' })).toThrow(/IMAGE_MAX_BYTES must be between 1024 and 52428800/);
      expect(() => loadConfig({ MCP_IMAGE_MAX_BYTES: '-1' })).toThrow(/MCP_IMAGE_MAX_BYTES/);
    });

    it('defaults the audit retention to 365 days and sealing to every second; refuses values out of range', () => {
      expect(loadConfig({})).toMatchObject({ auditRetentionDays: 365, auditSealIntervalMs: 1000, secretsKeys: undefined, secretsKeyFile: undefined });
      expect(() => loadConfig({ AUDIT_RETENTION_DAYS: '0' })).toThrow(/AUDIT_RETENTION_DAYS must be between 1 and 36500/);
      expect(() => loadConfig({ AUDIT_SEAL_INTERVAL_MS: '50' })).toThrow(/AUDIT_SEAL_INTERVAL_MS must be between 100 and 60000/);
    });

    it('defaults the document links: a generated secret (unset here) valid for 24 hours', () => {
      expect(loadConfig({})).toMatchObject({ docLinkSecret: undefined, docLinkTtlHours: 24 });
    });

    it('refuses a short DOC_LINK_SECRET and a TTL outside 1-720 hours, naming the variable', () => {
      expect(() => loadConfig({ DOC_LINK_SECRET: 'short' })).toThrow(/DOC_LINK_SECRET/);
      expect(() => loadConfig({ DOC_LINK_TTL_HOURS: '0' })).toThrow(/DOC_LINK_TTL_HOURS/);
      expect(() => loadConfig({ DOC_LINK_TTL_HOURS: '721' })).toThrow(/DOC_LINK_TTL_HOURS/);
    });

    it('defaults the scoped-memory settings', () => {
      expect(loadConfig({})).toMatchObject({ mergeLimit: 50, grantTtlHours: 24, memoryRetentionDays: 30 });
    });

    it('accepts postgresql:// URLs too', () => {
      expect(loadConfig({ DATABASE_URL: 'postgresql://localhost/mnemo' }).databaseUrl).toBe(
        'postgresql://localhost/mnemo',
      );
    });

    it('accepts the boundary ports 1 and 65535', () => {
      expect(loadConfig({ PORT: '1' }).port).toBe(1);
      expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
    });

    it('trims surrounding whitespace', () => {
      const config = loadConfig({ PORT: ' 8200 ', LOG_FORMAT: ' pretty\n' });
      expect(config.port).toBe(8200);
      expect(config.logFormat).toBe('pretty');
    });

    it('accepts a generated admin token', () => {
      const token = generateAdminToken();
      expect(loadConfig({ MNEMO_ADMIN_TOKEN: token }).adminToken).toBe(token);
    });

    it.each([
      ['true', true],
      ['1', true],
      ['yes', true],
      ['false', false],
      ['0', false],
      ['no', false],
    ])('reads MNEMO_ALLOW_QUERY_KEYS=%s as %s', (value, expected) => {
      expect(loadConfig({ MNEMO_ALLOW_QUERY_KEYS: value }).allowQueryKeys).toBe(expected);
    });

    it('trims trailing slashes from PUBLIC_BASE_URL', () => {
      expect(loadConfig({ PUBLIC_BASE_URL: 'https://mnemo.example.com/' }).publicBaseUrl).toBe(
        'https://mnemo.example.com',
      );
      expect(loadConfig({ PUBLIC_BASE_URL: 'https://example.com/mnemo//' }).publicBaseUrl).toBe(
        'https://example.com/mnemo',
      );
    });
  });

  describe('empty values mean unset', () => {
    it('uses the defaults for empty and blank strings', () => {
      const config = loadConfig({
        PORT: '',
        HOST: '',
        DATABASE_URL: '',
        MNEMO_HOME: '  ',
        MNEMO_ADMIN_TOKEN: '',
        LOG_LEVEL: '',
        LOG_FORMAT: '',
        CORS_ORIGINS: '',
        PUBLIC_BASE_URL: '',
        DEFAULT_TIMEZONE: ' ',
        MNEMO_ALLOW_QUERY_KEYS: '',
      });
      expect(config).toEqual(loadConfig({}));
    });
  });

  describe('CORS_ORIGINS', () => {
    it('parses a comma-separated list, trimming blanks', () => {
      expect(
        loadConfig({ CORS_ORIGINS: 'https://a.example.com, http://localhost:3000 ,,https://b.example.com' })
          .corsOrigins,
      ).toEqual(['https://a.example.com', 'http://localhost:3000', 'https://b.example.com']);
    });

    it('accepts *', () => {
      expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    });

    it('refuses an origin with a path', () => {
      expect(configErrorFor({ CORS_ORIGINS: 'https://a.example.com/app' }).message).toContain('CORS_ORIGINS');
    });
  });

  describe('invalid values stop with a ConfigError naming the variable', () => {
    it.each<[string, string]>([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['PORT', '0'],
      ['PORT', '-1'],
      ['PORT', '80.5'],
      ['LOG_FORMAT', 'xml'],
      ['LOG_LEVEL', 'verbose'],
      ['DEFAULT_TIMEZONE', 'Mars/Base'],
      ['DEFAULT_TIMEZONE', '+02:00'],
      ['CORS_ORIGINS', 'not-an-origin'],
      ['CORS_ORIGINS', 'https://ok.example.com,ftp://bad.example.com'],
      ['DATABASE_URL', 'mysql://x'],
      ['DATABASE_URL', 'postgres://'],
      ['MNEMO_ADMIN_TOKEN', 'short'],
      ['MNEMO_ADMIN_TOKEN', 'x'.repeat(23)],
      ['MNEMO_ALLOW_QUERY_KEYS', 'maybe'],
      ['PUBLIC_BASE_URL', 'mnemo.example.com'],
      ['PUBLIC_BASE_URL', 'https://mnemo.example.com/?x=1'],
      ['MERGE_LIMIT', '0'],
      ['MERGE_LIMIT', '501'],
      ['GRANT_TTL_HOURS', '0'],
      ['GRANT_TTL_HOURS', '1.5'],
      ['MEMORY_RETENTION_DAYS', '-1'],
      ['MEMORY_RETENTION_DAYS', 'soon'],
    ])('%s=%s', (name, value) => {
      const error = configErrorFor({ [name]: value });
      expect(error.message).toContain(name);
      expect(error.message).toMatch(/^Invalid configuration: /);
    });

    it('explains what is expected', () => {
      expect(configErrorFor({ PORT: '70000' }).message).toContain('between 1 and 65535');
      expect(configErrorFor({ MNEMO_ALLOW_QUERY_KEYS: 'maybe' }).message).toContain('true or false');
      expect(configErrorFor({ MNEMO_ADMIN_TOKEN: 'short' }).message).toContain('at least 24 characters');
      expect(configErrorFor({ DATABASE_URL: 'mysql://x' }).message).toContain('postgres');
    });

    it('names every invalid variable at once', () => {
      const message = configErrorFor({ PORT: 'abc', LOG_FORMAT: 'xml' }).message;
      expect(message).toContain('PORT');
      expect(message).toContain('LOG_FORMAT');
    });

    it('does not echo the rejected admin token', () => {
      expect(configErrorFor({ MNEMO_ADMIN_TOKEN: 'tiny-secret' }).message).not.toContain('tiny-secret');
    });

    it('is an Error', () => {
      expect(configErrorFor({ PORT: 'abc' })).toBeInstanceOf(Error);
    });
  });

  it('ignores unrelated variables', () => {
    expect(loadConfig({ UNRELATED: 'value', PATH: '/usr/bin' })).toEqual(loadConfig({}));
  });
});
