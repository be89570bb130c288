import fc from 'fast-check';
import {
  classifyPurpose,
  isAllowed,
  POLICY_MATRIX,
  PURPOSE_CLASS_RULE,
  PURPOSE_CLASSES,
  SCOPE_RULE,
  SCOPES,
  SOURCE_RULE,
  SOURCES,
} from './policy.constants';

/** The matrix of spec §2.1, written out independently of the service ('A' = allow). */
const CLASS_COLUMNS = [
  'content_generation',
  'recommendation',
  'scheduling',
  'ui_rendering',
  'notification_delivery',
  'task_execution',
] as const;
const EXPECTED_MATRIX: Record<string, string> = {
  //              cg rec sch ui  not task
  preferences: '  A  A   .   .   .   .',
  constraints: '  .  A   A   .   .   A',
  communication: 'A  .   .   A   A   .',
  accessibility: 'A  .   .   A   A   .',
  schedule: '     .  .   A   .   .   A',
  attention: '    .  .   .   A   A   .',
};
function expectedAllowed(scope: string, purposeClass: string): boolean {
  const cells = EXPECTED_MATRIX[scope].trim().split(/\s+/);
  expect(cells).toHaveLength(6);
  return cells[CLASS_COLUMNS.indexOf(purposeClass as (typeof CLASS_COLUMNS)[number])] === 'A';
}

describe('policy vocabulary', () => {
  it('has the six scopes, six purpose classes and two sources, in the spec order', () => {
    expect(SCOPES).toEqual(['preferences', 'constraints', 'communication', 'accessibility', 'schedule', 'attention']);
    expect(PURPOSE_CLASSES).toEqual([...CLASS_COLUMNS]);
    expect(SOURCES).toEqual(['explicit_user_input', 'user_setting']);
  });

  it('names the allowed values in a fixed order in its messages', () => {
    expect(`scope ${SCOPE_RULE}`).toBe(
      'scope must be one of preferences, constraints, communication, accessibility, schedule, attention',
    );
    expect(`source ${SOURCE_RULE}`).toBe('source must be one of explicit_user_input, user_setting');
    expect(PURPOSE_CLASS_RULE).toBe(
      'must be one of content_generation, recommendation, scheduling, ui_rendering, notification_delivery, task_execution',
    );
  });
});

describe('isAllowed (the 6×6 matrix of spec §2.1)', () => {
  const cells = SCOPES.flatMap((scope) => CLASS_COLUMNS.map((pc) => [scope, pc] as const));

  it('has 36 cells, 15 of them allowed', () => {
    expect(cells).toHaveLength(36);
    expect(cells.filter(([s, c]) => expectedAllowed(s, c))).toHaveLength(15);
  });

  it.each(cells)('%s × %s', (scope, purposeClass) => {
    expect(isAllowed(scope, purposeClass)).toBe(expectedAllowed(scope, purposeClass));
  });

  it('property: for every scope and class, isAllowed matches the matrix', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SCOPES), fc.constantFrom(...PURPOSE_CLASSES), (scope, purposeClass) => {
        expect(isAllowed(scope, purposeClass)).toBe(expectedAllowed(scope, purposeClass));
      }),
    );
  });

  it('POLICY_MATRIX lists exactly the allowed classes of each scope', () => {
    for (const scope of SCOPES) {
      expect([...POLICY_MATRIX[scope]].sort()).toEqual(CLASS_COLUMNS.filter((c) => expectedAllowed(scope, c)).sort());
    }
    expect(Object.keys(POLICY_MATRIX).sort()).toEqual([...SCOPES].sort());
  });
});

describe('classifyPurpose (ordered rules applied to word prefixes)', () => {
  it.each([
    // first rule wins
    ['generate personalized food recommendations', 'content_generation'],
    ['make recommendations', 'recommendation'],
    ['recommendations', 'recommendation'],
    ['Recommend a restaurant', 'recommendation'],
    ['suggestions for dinner', 'recommendation'],
    ['write an email', 'content_generation'],
    ['content', 'content_generation'],
    ['creates a summary', 'content_generation'],
    ['schedule meeting', 'scheduling'],
    ['SCHEDULING', 'scheduling'],
    ['check the calendar', 'scheduling'],
    ['time zones', 'scheduling'],
    ['timeline', 'scheduling'],
    ['render UI', 'ui_rendering'],
    ['ui rendering', 'ui_rendering'],
    ['display a banner', 'ui_rendering'],
    ['showcase', 'ui_rendering'],
    ['notification delivery', 'notification_delivery'],
    ['send notifications', 'notification_delivery'],
    ['notify the user', 'notification_delivery'],
    ['alerts', 'notification_delivery'],
    ['execute task', 'task_execution'],
    ['run it', 'task_execution'],
    ['take action', 'task_execution'],
    // words are split on anything that is not a letter
    ['ui-rendering', 'ui_rendering'],
    ['(display)', 'ui_rendering'],
    ['item_2_notify', 'notification_delivery'],
    ['time2go', 'scheduling'],
    ['write\u{1F600}', 'content_generation'],
    // rule order beats word order
    ['run a task to render and then write', 'content_generation'],
    ['show the schedule', 'scheduling'],
  ])('%j -> %s', (purpose, purposeClass) => {
    expect(classifyPurpose(purpose)).toBe(purposeClass);
  });

  it.each([
    ['build a report'], // "ui" inside "build" is not a word prefix
    ['build'],
    ['sometimes'], // "time" inside "sometimes"
    ['guide'],
    ['overrun'],
    ['prerender'],
    ['creating a summary'], // "creating" does not start with "create"
    ['user interface'],
    ['hello world'],
    ['1234 5678'],
    [''],
    ['   '],
    ['\t\n'],
    ['---'],
  ])('%j matches no rule -> null (denied)', (purpose) => {
    expect(classifyPurpose(purpose)).toBeNull();
  });

  it('property: a keyword as a whole word classifies as its rule unless an earlier rule also matches', () => {
    const keywords: [string, string][] = [
      ['content', 'content_generation'],
      ['generate', 'content_generation'],
      ['create', 'content_generation'],
      ['write', 'content_generation'],
      ['recommend', 'recommendation'],
      ['suggest', 'recommendation'],
      ['recommendation', 'recommendation'],
      ['scheduling', 'scheduling'],
      ['schedule', 'scheduling'],
      ['calendar', 'scheduling'],
      ['time', 'scheduling'],
      ['ui', 'ui_rendering'],
      ['render', 'ui_rendering'],
      ['display', 'ui_rendering'],
      ['show', 'ui_rendering'],
      ['notify', 'notification_delivery'],
      ['notification', 'notification_delivery'],
      ['alert', 'notification_delivery'],
      ['task', 'task_execution'],
      ['execute', 'task_execution'],
      ['action', 'task_execution'],
      ['run', 'task_execution'],
    ];
    // Filler words that start with no keyword.
    const filler = fc.constantFrom('please', 'the', 'for', 'a', 'build', 'sometimes', 'guide', 'overrun', 'user', 'food');
    const sep = fc.constantFrom(' ', '-', '_', '.', '  ', '1', ', ');
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...keywords), { minLength: 1, maxLength: 3 }),
        fc.array(filler, { maxLength: 4 }),
        sep,
        fc.boolean(),
        (picked, fillers, separator, upper) => {
          const words = [...fillers, ...picked.map(([k]) => k)];
          const purpose = upper ? words.join(separator).toUpperCase() : words.join(separator);
          const expected = PURPOSE_CLASSES.find((pc) => picked.some(([, c]) => c === pc));
          expect(classifyPurpose(purpose)).toBe(expected);
        },
      ),
    );
  });

  it('property: purposes of filler words only are never classified', () => {
    const filler = fc.constantFrom('please', 'the', 'build', 'sometimes', 'guide', 'overrun', 'user', 'food', 'prerun');
    fc.assert(
      fc.property(fc.array(filler, { maxLength: 6 }), fc.constantFrom(' ', '-', '_', '\t'), (words, sep) => {
        expect(classifyPurpose(words.join(sep))).toBeNull();
      }),
    );
  });
});
