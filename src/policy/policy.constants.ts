/**
 * MemoryScope's vocabulary and its purpose policy: the one place that says which
 * purpose may read which scope. Everything not listed is denied.
 */
export const SCOPES = ['preferences', 'constraints', 'communication', 'accessibility', 'schedule', 'attention'] as const;
export type Scope = (typeof SCOPES)[number];

export const PURPOSE_CLASSES = [
  'content_generation',
  'recommendation',
  'scheduling',
  'ui_rendering',
  'notification_delivery',
  'task_execution',
] as const;
export type PurposeClass = (typeof PURPOSE_CLASSES)[number];

export const SOURCES = ['explicit_user_input', 'user_setting'] as const;
export type Source = (typeof SOURCES)[number];

/** Scope -> the purpose classes allowed to read it. */
export const POLICY_MATRIX: Readonly<Record<Scope, readonly PurposeClass[]>> = {
  preferences: ['content_generation', 'recommendation'],
  constraints: ['recommendation', 'scheduling', 'task_execution'],
  communication: ['content_generation', 'ui_rendering', 'notification_delivery'],
  accessibility: ['content_generation', 'ui_rendering', 'notification_delivery'],
  schedule: ['scheduling', 'task_execution'],
  attention: ['ui_rendering', 'notification_delivery'],
};

/**
 * Free-text purpose -> purpose class: the first rule with a keyword that starts a
 * word of the purpose wins. Words are runs of letters, so "build" is not "ui" and
 * "sometimes" is not "time".
 */
export const CLASSIFICATION_RULES: readonly { purpose_class: PurposeClass; keywords: readonly string[] }[] = [
  { purpose_class: 'content_generation', keywords: ['content', 'generate', 'create', 'write'] },
  { purpose_class: 'recommendation', keywords: ['recommend', 'suggest', 'recommendation'] },
  { purpose_class: 'scheduling', keywords: ['scheduling', 'schedule', 'calendar', 'time'] },
  { purpose_class: 'ui_rendering', keywords: ['ui', 'render', 'display', 'show'] },
  { purpose_class: 'notification_delivery', keywords: ['notify', 'notification', 'alert'] },
  { purpose_class: 'task_execution', keywords: ['task', 'execute', 'action', 'run'] },
];

export function isAllowed(scope: Scope, purposeClass: PurposeClass): boolean {
  return POLICY_MATRIX[scope].includes(purposeClass);
}

/** The purpose class of a free-text purpose, or null when no rule matches (denied: fail closed). */
export function classifyPurpose(purpose: string): PurposeClass | null {
  const words = purpose.toLowerCase().split(/[^\p{L}]+/u).filter(Boolean);
  for (const rule of CLASSIFICATION_RULES) {
    if (rule.keywords.some((k) => words.some((w) => w.startsWith(k)))) return rule.purpose_class;
  }
  return null;
}

export const SCOPE_RULE = `must be one of ${SCOPES.join(', ')}`;
export const SOURCE_RULE = `must be one of ${SOURCES.join(', ')}`;
export const PURPOSE_CLASS_RULE = `must be one of ${PURPOSE_CLASSES.join(', ')}`;
