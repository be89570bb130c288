import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, type AppConfig } from '../config/config';

export const KEY_BYTES = 32;
const KEY_ID_MAX = 255;
/** Generated in `$MNEMO_HOME` for the embedded database when no key is configured. */
export const HOME_KEY_FILE = 'secrets.key';

export interface SecretKey {
  /** 1–255; written into every blob so the key that sealed it can be found. */
  id: number;
  material: Buffer;
}

/**
 * The versioned keys secrets are encrypted with: new writes use the newest,
 * every configured key still decrypts (rotation without downtime, then rewrap).
 */
export class KeyRing {
  private readonly byId: Map<number, Buffer>;

  constructor(readonly keys: SecretKey[]) {
    if (keys.length === 0) throw new Error('A key ring needs at least one key');
    this.byId = new Map(keys.map((k) => [k.id, k.material]));
  }

  get newest(): SecretKey {
    return this.keys[this.keys.length - 1];
  }

  get(id: number): Buffer | undefined {
    return this.byId.get(id);
  }

  /** Ids only: what may be logged or shown. */
  describe(): string {
    return `key ids ${this.keys.map((k) => k.id).join(', ')} (newest ${this.newest.id})`;
  }
}

/** Parses SECRETS_KEYS (`id:base64-of-32-bytes`, comma-separated, newest last). Messages never include key material. */
export function parseKeyList(value: string): KeyRing {
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new ConfigError('Invalid configuration: SECRETS_KEYS holds no key');
  const keys = entries.map((entry, i) => {
    const at = `SECRETS_KEYS entry ${i + 1}`;
    const match = /^(\d{1,3}):([A-Za-z0-9+/]+={0,2})$/.exec(entry);
    if (!match) throw new ConfigError(`Invalid configuration: ${at} must be id:base64 (id 1-${KEY_ID_MAX}, 32 bytes of key in base64)`);
    const id = Number(match[1]);
    if (id < 1 || id > KEY_ID_MAX) throw new ConfigError(`Invalid configuration: ${at} has key id ${id}; ids are 1-${KEY_ID_MAX}`);
    const material = Buffer.from(match[2], 'base64');
    if (material.length !== KEY_BYTES || material.toString('base64') !== match[2]) {
      throw new ConfigError(`Invalid configuration: ${at} (key id ${id}) must be exactly ${KEY_BYTES} bytes in base64, got ${material.length}`);
    }
    return { id, material };
  });
  const ids = keys.map((k) => k.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) throw new ConfigError(`Invalid configuration: SECRETS_KEYS names key id ${repeated} twice`);
  return new KeyRing(keys);
}

/** Reads a raw 32-byte key file (LucyAPI's format), with the original's messages. */
export function readKeyFile(file: string): Buffer {
  if (!fs.existsSync(file)) throw new ConfigError(`Secrets key file not found: ${file}`);
  const material = fs.readFileSync(file);
  if (material.length !== KEY_BYTES) throw new ConfigError(`Secrets key must be ${KEY_BYTES} bytes, got ${material.length} (${file})`);
  return material;
}

/**
 * The key ring from the configuration: SECRETS_KEYS, else SECRETS_KEY_FILE
 * (as key id 1), else — only for the embedded database — `$MNEMO_HOME/secrets.key`,
 * generated (0600) on the first start. Null means no key: the vault stays sealed
 * (secret reads and writes answer 503) rather than invent a key one replica
 * would not share with another.
 */
export function resolveKeyRing(config: Partial<Pick<AppConfig, 'secretsKeys' | 'secretsKeyFile'>> & Pick<AppConfig, 'home'>, embedded: boolean): KeyRing | null {
  if (config.secretsKeys && config.secretsKeyFile) {
    throw new ConfigError('Invalid configuration: set SECRETS_KEYS or SECRETS_KEY_FILE, not both (a key file is key id 1 in SECRETS_KEYS)');
  }
  if (config.secretsKeys) return parseKeyList(config.secretsKeys);
  if (config.secretsKeyFile) return new KeyRing([{ id: 1, material: readKeyFile(config.secretsKeyFile) }]);
  if (!embedded) return null;
  const file = path.join(config.home, HOME_KEY_FILE);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.home, { recursive: true, mode: 0o755 });
    fs.writeFileSync(file, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
  }
  fs.chmodSync(file, 0o600);
  return new KeyRing([{ id: 1, material: readKeyFile(file) }]);
}

/** A fresh key as SECRETS_KEYS expects it (`id:base64`). */
export function newKeyEntry(id: number): string {
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}
