import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeDatabase, hasEmbeddedCluster, maskDatabaseUrl, NoDatabaseError, requireExistingDatabase } from './database-target';

describe('maskDatabaseUrl', () => {
  it.each([
    ['postgres://mnemo:s3cret@db.example.com:5432/mnemo', 'postgres://mnemo:***@db.example.com:5432/mnemo'],
    ['postgresql://mnemo:s3cret@db/mnemo?sslmode=require', 'postgresql://mnemo:***@db/mnemo?sslmode=require'],
    // Percent-encoded, or with characters a URL parser would choke on: still masked whole.
    ['postgres://mnemo:p%40ss%3Aw0rd@127.0.0.1:5433/mnemo', 'postgres://mnemo:***@127.0.0.1:5433/mnemo'],
    ['postgres://mnemo:pa@ss:w/o?rd#x@127.0.0.1/mnemo', 'postgres://mnemo:***@127.0.0.1/mnemo'],
    ['postgres://mnemo:@db/mnemo', 'postgres://mnemo:***@db/mnemo'],
    // In the query string.
    ['postgres://mnemo@db/mnemo?password=s3cret&sslmode=require', 'postgres://mnemo@db/mnemo?password=***&sslmode=require'],
    ['postgres://db/mnemo?user=mnemo&PASSWORD=s3cret', 'postgres://db/mnemo?user=mnemo&PASSWORD=***'],
    ['postgres://mnemo:a@db/mnemo?sslpassword=k3y', 'postgres://mnemo:***@db/mnemo?sslpassword=***'],
    // No password: unchanged.
    ['postgres://mnemo@db:5432/mnemo', 'postgres://mnemo@db:5432/mnemo'],
    ['postgres:///mnemo?host=/var/run/postgresql', 'postgres:///mnemo?host=/var/run/postgresql'],
  ])('%s → %s', (url, expected) => {
    expect(maskDatabaseUrl(url)).toBe(expected);
  });

  it('never lets a password through', () => {
    for (const password of ['s3cret', 'p@ss', 'a:b', 'x/y?z', 'with space', '@@@', 'üñî']) {
      for (const url of [`postgres://u:${password}@h:5432/d`, `postgres://u:${encodeURIComponent(password)}@h/d`, `postgres://u@h/d?password=${password}`]) {
        const masked = maskDatabaseUrl(url);
        expect({ url, masked, leaked: masked.includes(password) || masked.includes(encodeURIComponent(password)) }).toMatchObject({ leaked: false });
        expect(masked).toContain('***');
      }
    }
  });
});

describe('the database a command uses', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnemo-cli-target-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('DATABASE_URL: named with its password masked, whatever MNEMO_HOME holds', () => {
    const target = { databaseUrl: 'postgres://mnemo:hunter22@db:5432/mnemo', home: path.join(dir, 'nothing') };
    expect(describeDatabase(target)).toBe('Using DATABASE_URL postgres://mnemo:***@db:5432/mnemo');
    expect(() => requireExistingDatabase(target)).not.toThrow();
  });

  it('an embedded home without a cluster: refused for reading, announced as new for writing, nothing created', () => {
    for (const home of [path.join(dir, 'missing'), dir]) {
      expect(hasEmbeddedCluster(home)).toBe(false);
      expect(() => requireExistingDatabase({ home })).toThrow(NoDatabaseError);
      expect(() => requireExistingDatabase({ home })).toThrow(
        `No Mnemo database under ${home} (set MNEMO_HOME to the service's home, or DATABASE_URL)`,
      );
      expect(describeDatabase({ home })).toBe(`Using the embedded PostgreSQL under ${home} (none there yet: initialising one)`);
    }
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('an embedded home with an initialised cluster (pgdata/PG_VERSION)', () => {
    fs.mkdirSync(path.join(dir, 'pgdata'));
    expect(hasEmbeddedCluster(dir)).toBe(false); // an empty data directory is not a cluster
    fs.writeFileSync(path.join(dir, 'pgdata', 'PG_VERSION'), '18\n');
    expect(hasEmbeddedCluster(dir)).toBe(true);
    expect(() => requireExistingDatabase({ home: dir })).not.toThrow();
    expect(describeDatabase({ home: dir })).toBe(`Using the embedded PostgreSQL under ${dir}`);
  });
});
