import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { bearerToken, presentedAgentKey } from './credentials-from-request';

function req(headers: IncomingHttpHeaders = {}, url = '/whoami'): IncomingMessage {
  return { headers, url } as IncomingMessage;
}

const KEY = 'mnemo_ak_header';
const OTHER = 'mnemo_ak_bearer';

describe('presentedAgentKey', () => {
  describe('headers', () => {
    it('reports none when nothing is sent', () => {
      expect(presentedAgentKey(req(), false)).toEqual({ kind: 'none' });
      expect(presentedAgentKey(req(), true)).toEqual({ kind: 'none' });
    });

    it('reads X-Api-Key', () => {
      expect(presentedAgentKey(req({ 'x-api-key': KEY }), false)).toEqual({ kind: 'key', key: KEY });
    });

    it('reads Authorization: Bearer', () => {
      expect(presentedAgentKey(req({ authorization: `Bearer ${OTHER}` }), false)).toEqual({ kind: 'key', key: OTHER });
    });

    it('reports a conflict when X-Api-Key and Authorization: Bearer carry different keys', () => {
      const both = req({ 'x-api-key': KEY, authorization: `Bearer ${OTHER}` });
      expect(presentedAgentKey(both, false)).toEqual({ kind: 'conflict' });
      expect(presentedAgentKey(both, true)).toEqual({ kind: 'conflict' });
    });

    it('accepts X-Api-Key and Authorization: Bearer carrying the same key', () => {
      const both = req({ 'x-api-key': KEY, authorization: `Bearer ${KEY}` });
      expect(presentedAgentKey(both, false)).toEqual({ kind: 'key', key: KEY });
    });

    it('compares the keys after trimming', () => {
      const both = req({ 'x-api-key': ` ${KEY}\t`, authorization: `Bearer  ${KEY} ` });
      expect(presentedAgentKey(both, false)).toEqual({ kind: 'key', key: KEY });
    });

    it('falls back to the bearer token when X-Api-Key is blank', () => {
      const both = req({ 'x-api-key': '   ', authorization: `Bearer ${OTHER}` });
      expect(presentedAgentKey(both, false)).toEqual({ kind: 'key', key: OTHER });
    });

    it('trims whitespace around the key', () => {
      expect(presentedAgentKey(req({ 'x-api-key': `  ${KEY}\t` }), false)).toEqual({ kind: 'key', key: KEY });
      expect(presentedAgentKey(req({ authorization: `  Bearer   ${OTHER}  ` }), false)).toEqual({
        kind: 'key',
        key: OTHER,
      });
    });

    it('treats blank headers as absent', () => {
      expect(presentedAgentKey(req({ 'x-api-key': '', authorization: '' }), false)).toEqual({ kind: 'none' });
      expect(presentedAgentKey(req({ 'x-api-key': ' \t ' }), false)).toEqual({ kind: 'none' });
    });

    it('reports a conflict when repeated X-Api-Key values differ', () => {
      const repeated = { 'x-api-key': [KEY, OTHER] } as unknown as IncomingHttpHeaders;
      expect(presentedAgentKey(req(repeated), false)).toEqual({ kind: 'conflict' });
    });

    it('reports a conflict when any repeated X-Api-Key value differs from the bearer token', () => {
      const repeated = { 'x-api-key': [KEY, OTHER], authorization: `Bearer ${KEY}` } as unknown as IncomingHttpHeaders;
      expect(presentedAgentKey(req(repeated), false)).toEqual({ kind: 'conflict' });
    });

    it('accepts repeated X-Api-Key values carrying the same key, ignoring blank ones', () => {
      const repeated = { 'x-api-key': [KEY, ` ${KEY} `, ''] } as unknown as IncomingHttpHeaders;
      expect(presentedAgentKey(req(repeated), false)).toEqual({ kind: 'key', key: KEY });
    });

    it('ignores Authorization schemes other than Bearer', () => {
      expect(presentedAgentKey(req({ authorization: `Basic ${KEY}` }), false)).toEqual({ kind: 'none' });
      expect(presentedAgentKey(req({ authorization: KEY }), false)).toEqual({ kind: 'none' });
      expect(presentedAgentKey(req({ authorization: 'Bearer' }), false)).toEqual({ kind: 'none' });
    });
  });

  describe('?agent_key=', () => {
    it('is refused when query keys are disabled', () => {
      expect(presentedAgentKey(req({}, `/whoami?agent_key=${KEY}`), false)).toEqual({ kind: 'query-refused' });
    });

    it('is refused when disabled even alongside a header key', () => {
      expect(presentedAgentKey(req({ 'x-api-key': KEY }, `/whoami?x=1&agent_key=${OTHER}`), false)).toEqual({
        kind: 'query-refused',
      });
    });

    it('is used when query keys are allowed', () => {
      expect(presentedAgentKey(req({}, `/whoami?agent_key=${KEY}`), true)).toEqual({ kind: 'key', key: KEY });
    });

    it('decodes and trims the query value', () => {
      expect(presentedAgentKey(req({}, '/whoami?agent_key=%20a%2Bb%2Fc%20'), true)).toEqual({
        kind: 'key',
        key: 'a+b/c',
      });
    });

    it('conflicts with a header carrying a different key when allowed', () => {
      expect(presentedAgentKey(req({ 'x-api-key': KEY }, `/whoami?agent_key=${OTHER}`), true)).toEqual({
        kind: 'conflict',
      });
      expect(presentedAgentKey(req({ authorization: `Bearer ${KEY}` }, `/whoami?agent_key=${OTHER}`), true)).toEqual({
        kind: 'conflict',
      });
    });

    it('agrees with a header carrying the same key when allowed', () => {
      expect(presentedAgentKey(req({ 'x-api-key': KEY }, `/whoami?agent_key=${KEY}`), true)).toEqual({
        kind: 'key',
        key: KEY,
      });
      expect(
        presentedAgentKey(req({ 'x-api-key': KEY, authorization: `Bearer ${KEY}` }, `/whoami?agent_key=${KEY}`), true),
      ).toEqual({ kind: 'key', key: KEY });
    });

    it('treats an empty value as absent', () => {
      expect(presentedAgentKey(req({}, '/whoami?agent_key='), false)).toEqual({ kind: 'none' });
      expect(presentedAgentKey(req({}, '/whoami?agent_key=%20'), true)).toEqual({ kind: 'none' });
    });

    it('is not confused by other parameters ending in agent_key', () => {
      expect(presentedAgentKey(req({}, `/whoami?my_agent_key=${KEY}`), false)).toEqual({ kind: 'none' });
      expect(presentedAgentKey(req({ 'x-api-key': KEY }, `/whoami?my_agent_key=${OTHER}`), false)).toEqual({
        kind: 'key',
        key: KEY,
      });
    });

    it('copes with a request without url', () => {
      expect(presentedAgentKey({ headers: {} } as IncomingMessage, false)).toEqual({ kind: 'none' });
    });
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['Bearer \t abc ', 'abc'],
  ])('%j -> %j', (header, token) => {
    expect(bearerToken(req({ authorization: header }))).toBe(token);
  });

  it.each(['', 'Bearer', 'Bearer ', 'Bearer a b', 'Basic abc', 'Token abc', 'Bearerabc'])('%j -> none', (header) => {
    expect(bearerToken(req({ authorization: header }))).toBeUndefined();
  });

  it('returns undefined without the header', () => {
    expect(bearerToken(req())).toBeUndefined();
  });
});
