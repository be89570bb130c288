import type { AppConfig } from '../config/config';
import { SignedLinks } from './signed-links';

const config = { docLinkSecret: 'x'.repeat(40), docLinkTtlHours: 24, publicBaseUrl: 'https://mnemo.example.com' } as AppConfig;
const now = Date.parse('2026-11-22T03:04:05Z');

function parts(url: string) {
  const u = new URL(url);
  return { path: u.pathname, exp: u.searchParams.get('exp') ?? '', sig: u.searchParams.get('sig') ?? '' };
}

describe('SignedLinks', () => {
  const links = new SignedLinks(config);
  const url = links.url('project', 12, 'owner-1', now);
  const { path, exp, sig } = parts(url);

  it('builds /doc/projects/{id}?exp=&sig= on PUBLIC_BASE_URL, valid for the TTL (rounded up to the minute)', () => {
    expect(url.startsWith('https://mnemo.example.com/doc/projects/12?exp=')).toBe(true);
    expect(path).toBe('/doc/projects/12');
    expect(Number(exp)).toBe(Math.ceil(now / 60_000) * 60 + 24 * 3600);
    expect(links.verify('project', 12, 'owner-1', exp, sig, now)).toBe(true);
  });

  it('refuses an expired link, another object, another kind, another owner, a changed expiry or signature', () => {
    expect(links.verify('project', 12, 'owner-1', exp, sig, Number(exp) * 1000)).toBe(false);
    expect(links.verify('project', 13, 'owner-1', exp, sig, now)).toBe(false);
    expect(links.verify('wiki', 12, 'owner-1', exp, sig, now)).toBe(false);
    expect(links.verify('project', 12, 'owner-2', exp, sig, now)).toBe(false);
    expect(links.verify('project', 12, 'owner-1', String(Number(exp) + 60), sig, now)).toBe(false);
    expect(links.verify('project', 12, 'owner-1', exp, sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A'), now)).toBe(false);
    expect(links.verify('project', 12, 'owner-1', undefined, sig, now)).toBe(false);
    expect(links.verify('project', 12, 'owner-1', ['1'], sig, now)).toBe(false);
    expect(links.verify('project', 12, 'owner-1', exp, '', now)).toBe(false);
  });

  it('signs with the configured secret: another secret gives another signature', () => {
    const other = new SignedLinks({ ...config, docLinkSecret: 'y'.repeat(40) });
    expect(parts(other.url('project', 12, 'owner-1', now)).sig).not.toBe(sig);
    expect(() => new SignedLinks({ ...config, docLinkSecret: undefined })).toThrow();
  });
});
