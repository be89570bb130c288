import * as fs from 'node:fs';
import * as path from 'node:path';
import { AUDIT_EVENT_TYPES } from './audit-event-types';

/** The rows of the "Audit event types" table in docs/api.md: `| \`TYPE\` | meaning |`. */
function documentedEventTypes(): string[] {
  const text = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'api.md'), 'utf8');
  const section = text.split(/^### Audit event types$/m)[1]?.split(/^#{2,3} /m)[0];
  if (section === undefined) throw new Error('docs/api.md has no "### Audit event types" section');
  return [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
}

describe('audit event types', () => {
  it('docs/api.md lists exactly the event types the service records, in the same order', () => {
    expect(documentedEventTypes()).toEqual(Object.keys(AUDIT_EVENT_TYPES));
  });

  it('every type is an upper-case name with a meaning', () => {
    for (const [type, meaning] of Object.entries(AUDIT_EVENT_TYPES)) {
      expect(type).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(meaning.length).toBeGreaterThan(10);
    }
  });
});
