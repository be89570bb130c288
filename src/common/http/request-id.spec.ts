import { requestIdOf, resolveRequestId } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('resolveRequestId', () => {
  it.each(['abc', 'req-123', 'A.b_c:d-e', '0', 'x'.repeat(128), '3f2b8c1e-4a5d-4e6f-8a7b-9c0d1e2f3a4b'])(
    'keeps the well-formed client value %j',
    (value) => {
      expect(resolveRequestId(value)).toBe(value);
    },
  );

  it.each([
    ['too long (129 characters)', 'x'.repeat(129)],
    ['empty', ''],
    ['a space', 'a b'],
    ['a slash', 'a/b'],
    ['a newline (log injection)', 'abc\nfake log line'],
    ['a quote', 'a"b'],
    ['non-ASCII', 'café'],
    ['a trailing newline', 'abc\n'],
  ])('replaces a value with %s by a fresh UUID', (_what, value) => {
    const id = resolveRequestId(value);
    expect(id).not.toBe(value);
    expect(id).toMatch(UUID);
  });

  it('generates a UUID when the client sends none', () => {
    expect(resolveRequestId(undefined)).toMatch(UUID);
  });

  it('generates a different id each time', () => {
    const ids = new Set(Array.from({ length: 100 }, () => resolveRequestId(undefined)));
    expect(ids.size).toBe(100);
  });

  it('uses the first of repeated headers', () => {
    expect(resolveRequestId(['first-id', 'second-id'])).toBe('first-id');
    expect(resolveRequestId(['bad id', 'second-id'])).toMatch(UUID);
    expect(resolveRequestId([])).toMatch(UUID);
  });
});

describe('requestIdOf', () => {
  it('returns the id the request logger assigned', () => {
    expect(requestIdOf({ id: 'req-1' })).toBe('req-1');
  });

  it('falls back to a UUID when there is no string id', () => {
    expect(requestIdOf(undefined)).toMatch(UUID);
    expect(requestIdOf({})).toMatch(UUID);
    expect(requestIdOf({ id: 42 })).toMatch(UUID);
  });
});
