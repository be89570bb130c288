import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../config/config';

export type DocumentKind = 'project' | 'wiki';
export type LinkKind = DocumentKind | 'image';

/** Where each kind of link opens. */
const LINK_PATHS: Record<LinkKind, (id: number | string) => string> = {
  project: (id) => `/doc/projects/${id}`,
  wiki: (id) => `/doc/wikis/${id}`,
  image: (id) => `/img/${id}`,
};

/**
 * Signed links that open a project or wiki document, or an image, in a
 * browser without a key: HMAC-SHA256 over the kind, id, owner and expiry.
 * Expiries are whole minutes, so a link is stable for a minute.
 */
@Injectable()
export class SignedLinks {
  private readonly secret: string;
  /** Links signed this minute: a list of hundreds of projects signs each once a minute. */
  private readonly recent = new LRUCache<string, string>({ max: 50_000 });

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    if (!config.docLinkSecret) throw new Error('docLinkSecret is not configured');
    this.secret = config.docLinkSecret;
  }

  url(kind: LinkKind, id: number | string, ownerId: string, now = Date.now()): string {
    const exp = Math.ceil(now / 60_000) * 60 + this.config.docLinkTtlHours * 3600;
    const key = `${kind}/${id}/${ownerId}/${exp}`;
    let url = this.recent.get(key);
    if (!url) {
      url = `${this.config.publicBaseUrl}${LINK_PATHS[kind](id)}?exp=${exp}&sig=${this.sign(kind, id, ownerId, exp)}`;
      this.recent.set(key, url);
    }
    return url;
  }

  /** Whether `sig` signs this object and `exp` (unix seconds) has not passed. */
  verify(kind: LinkKind, id: number | string, ownerId: string, exp: unknown, sig: unknown, now = Date.now()): boolean {
    if (typeof exp !== 'string' || !/^\d{1,12}$/.test(exp) || typeof sig !== 'string') return false;
    if (Number(exp) * 1000 <= now) return false;
    const expected = Buffer.from(this.sign(kind, id, ownerId, Number(exp)));
    const given = Buffer.from(sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private sign(kind: LinkKind, id: number | string, ownerId: string, exp: number): string {
    return createHmac('sha256', this.secret).update(`${kind}-document\n${id}\n${ownerId}\n${exp}`).digest('base64url');
  }
}
