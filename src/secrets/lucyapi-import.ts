import * as fs from 'node:fs';
import { z } from 'zod';
import { readKeyFile } from './key-ring';
import { decryptLucyApiBlob, SecretDecryptError } from './secret-cipher';
import { SECRET_KEY_PATTERN, SECRET_KEY_RULE } from './secrets.dto';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const exportSchema = z.array(
  z.object({
    key: z.string().regex(SECRET_KEY_PATTERN, SECRET_KEY_RULE),
    encrypted_value_base64: z.string().regex(BASE64, 'encrypted_value_base64 must be base64'),
  }),
);

export class ImportError extends Error {}

/**
 * Reads a LucyAPI secrets export (`[{key, encrypted_value_base64}]`, blobs in
 * the original's nonce ‖ ciphertext ‖ tag format) and decrypts every value with
 * the original's 32-byte key file. All or nothing: the first entry that does not
 * parse or decrypt stops the import, named by position and key, never by value.
 */
export function readLucyApiExport(exportFile: string, keyFile: string): { key: string; value: string }[] {
  const material = readKeyFile(keyFile);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(exportFile, 'utf8'));
  } catch (err) {
    throw new ImportError(`Cannot read ${exportFile} as JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = exportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? `entry ${Number(issue.path[0]) + 1}${issue.path.length > 1 ? ` (${issue.path.slice(1).join('.')})` : ''}` : 'the file';
    throw new ImportError(`Invalid export, ${where}: ${issue.message}. Expected [{"key": …, "encrypted_value_base64": …}]`);
  }
  const keys = parsed.data.map((e) => e.key);
  const repeated = keys.find((k, i) => keys.indexOf(k) !== i);
  if (repeated !== undefined) throw new ImportError(`Invalid export: key '${repeated}' appears twice`);
  return parsed.data.map((entry, i) => {
    try {
      return { key: entry.key, value: decryptLucyApiBlob(material, Buffer.from(entry.encrypted_value_base64, 'base64')) };
    } catch (err) {
      if (!(err instanceof SecretDecryptError)) throw err;
      throw new ImportError(`Entry ${i + 1} (key '${entry.key}') could not be decrypted with ${keyFile}: wrong key file or damaged value`);
    }
  });
}
