import { createHash } from 'node:crypto';
import { CanonicalEvent, chainIdOf, GENESIS, linkHash, OPERATOR_CHAIN } from './audit-chain';

const event: CanonicalEvent = {
  seq: '42',
  id: '0b7e2f0a-0000-4000-8000-000000000001',
  user_id: '6f1c2a9e-0000-4000-8000-000000000001',
  agent_id: null,
  request_id: 'req-1',
  occurred_us: '1795330800123456',
  event_type: 'SECRET_READ',
  subject: 'slack_token',
  scope: null,
  domain: null,
  purpose: null,
  purpose_class: null,
  memory_ids: null,
  grant_id: null,
  reason_code: null,
  meta: '{"key_id": 1}',
};

describe('audit chain links', () => {
  it('is SHA-256 over the previous link and the version-1 canonical JSON array of the event', () => {
    const expected = createHash('sha256')
      .update(GENESIS)
      .update(
        JSON.stringify([1, '42', event.id, event.user_id, null, 'req-1', '1795330800123456', 'SECRET_READ', 'slack_token', null, null, null, null, null, null, null, '{"key_id": 1}']),
      )
      .digest();
    expect(linkHash(GENESIS, event).equals(expected)).toBe(true);
  });

  it.each(Object.keys(event) as (keyof CanonicalEvent)[])('changes when %s changes', (field) => {
    const changed = { ...event, [field]: event[field] === null ? 'x' : `${event[field]}x` };
    expect(linkHash(GENESIS, changed).equals(linkHash(GENESIS, event))).toBe(false);
  });

  it('depends on the previous link, and tells null from the text "null"', () => {
    const other = Buffer.alloc(32, 1);
    expect(linkHash(other, event).equals(linkHash(GENESIS, event))).toBe(false);
    expect(linkHash(GENESIS, { ...event, subject: 'null' }).equals(linkHash(GENESIS, { ...event, subject: null }))).toBe(false);
  });

  it('puts operator events (no tenant) on their own chain', () => {
    expect(chainIdOf(null)).toBe(OPERATOR_CHAIN);
    expect(chainIdOf(event.user_id)).toBe(event.user_id);
  });
});
