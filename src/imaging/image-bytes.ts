import { imageSize } from 'image-size';

/** The image types Mnemo stores, by the type image-size reads from the bytes' signature. */
const ACCEPTED = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' } as const;
export const ACCEPTED_MIME_TYPES = Object.values(ACCEPTED);
export type ImageMimeType = (typeof ACCEPTED)[keyof typeof ACCEPTED];

export interface SniffedImage {
  mimeType: ImageMimeType;
  width: number;
  height: number;
}

/**
 * What the bytes are, read from their own header (never from a declared type):
 * PNG, JPEG, WebP or GIF with their dimensions, or null for anything else,
 * including a truncated or malformed header.
 */
export function sniffImage(bytes: Buffer): SniffedImage | null {
  try {
    const { type, width, height } = imageSize(bytes);
    const mimeType = type && (ACCEPTED as Record<string, ImageMimeType>)[type];
    if (!mimeType || !width || !height) return null;
    return { mimeType, width, height };
  } catch {
    return null;
  }
}

/** File extension of a stored type (the type image-size names it by), for the `filename` clients see. */
export function extensionOf(mimeType: string): string {
  return Object.entries(ACCEPTED).find(([, mime]) => mime === mimeType)![0];
}

/** The JSON body an upload of `maxBytes` needs: base64 grows by 4/3, plus room for the other fields. */
export function imageUploadBodyLimit(maxBytes: number): number {
  return Math.ceil(maxBytes / 3) * 4 + 64 * 1024;
}
