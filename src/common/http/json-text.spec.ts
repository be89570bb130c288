import { JsonText } from './json-text';

describe('JsonText.with', () => {
  it('adds top-level fields after the existing ones, keeping the text valid JSON', () => {
    const text = new JsonText('{"agent" : "lucy", "items" : [{"a":1}, \n {"a":2}]}').with({ session: { id: 3 }, gap: null });
    expect(JSON.parse(text.json)).toEqual({ agent: 'lucy', items: [{ a: 1 }, { a: 2 }], session: { id: 3 }, gap: null });
    expect(Object.keys(JSON.parse(text.json) as object)).toEqual(['agent', 'items', 'session', 'gap']);
  });

  it('escapes added values and keys as JSON.stringify does', () => {
    const text = new JsonText('{}').with({ 'k"}': 'v"} \u2028' });
    expect(JSON.parse(text.json)).toEqual({ 'k"}': 'v"} \u2028' });
  });
});
