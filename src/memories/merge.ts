import type { Scope } from '../policy/policy.constants';
import { compareCodePoints } from './code-point';
import { compareItems, dedupeWindows, isObject, itemKey, Json, JsonObject, Scalar, Shape } from './memory-value';

/** A stored memory as the merge sees it. */
export interface MergeInput {
  id: string;
  createdAt: Date;
  shape: Shape;
  value: Json;
}

export interface MergeResult {
  summary_text: string;
  summary_struct: JsonObject;
  confidence: number;
}

const MAX_SUMMARY = 240;

/** Oldest first, ties broken by id: the only order the merge depends on. */
function chronological(memories: MergeInput[]): MergeInput[] {
  return [...memories].sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compareCodePoints(a.id, b.id),
  );
}

/** Shallow merge of objects, newest last (so newest wins per key). */
function mergeObjects(values: JsonObject[]): JsonObject {
  return Object.assign({}, ...values) as JsonObject;
}

/** A list item as summarised: strings trimmed, numbers and booleans as their JSON text. */
function itemText(item: Scalar): string {
  return typeof item === 'string' ? item.trim() : String(item);
}

/**
 * Likes and dislikes over time: case-insensitive after trimming, the newest
 * spelling kept, and the newest stance wins (an item liked, then disliked, ends
 * up only in dislikes, and the reverse). Within one memory dislikes come last.
 */
function mergeStances(memories: MergeInput[]): { likes: string[]; dislikes: string[] } {
  const stance = new Map<string, { text: string; liked: boolean }>();
  for (const m of memories) {
    if (m.shape !== 'likes_dislikes') continue;
    const value = m.value as { likes?: Scalar[]; dislikes?: Scalar[] };
    for (const [list, liked] of [
      [value.likes ?? [], true],
      [value.dislikes ?? [], false],
    ] as const) {
      for (const item of list) {
        const text = itemText(item);
        if (text === '') continue;
        const key = itemKey(text);
        stance.delete(key); // re-insert: the newest mention decides
        stance.set(key, { text, liked });
      }
    }
  }
  const sorted = (liked: boolean) =>
    [...stance.values()].filter((s) => s.liked === liked).map((s) => s.text).sort(compareItems);
  return { likes: sorted(true), dislikes: sorted(false) };
}

/** Preference settings: keys compared without case, spaces, `_` and `-`; an existing key keeps its spelling. */
function mergeSettings(memories: MergeInput[]): JsonObject {
  const settings: JsonObject = {};
  const byLooseKey = new Map<string, string>();
  for (const m of memories) {
    if (m.shape !== 'kv_map') continue;
    for (const [rawKey, value] of Object.entries(m.value as JsonObject)) {
      const key = rawKey.toLowerCase().trim();
      const loose = key.replace(/[_ -]/g, '');
      const existing = byLooseKey.get(loose);
      if (existing !== undefined) {
        settings[existing] = value;
      } else {
        byLooseKey.set(loose, key);
        settings[key] = value;
      }
    }
  }
  return settings;
}

/** The object values of the memories that pass `keep` (arrays are never merged as objects). */
function objectsOf(memories: MergeInput[], keep: (shape: Shape) => boolean = () => true): JsonObject[] {
  return memories.filter((m) => isObject(m.value) && keep(m.shape)).map((m) => m.value as JsonObject);
}

function summarise(scope: Scope, memories: MergeInput[]): { text: string; struct: JsonObject } {
  switch (scope) {
    case 'preferences': {
      const { likes, dislikes } = mergeStances(memories);
      const settings = mergeSettings(memories);
      return {
        text: `Likes: ${likes.length}, Dislikes: ${dislikes.length}, Settings: ${Object.keys(settings).length}`,
        struct: { likes, dislikes, settings },
      };
    }
    case 'constraints': {
      const rules = [
        ...new Set(memories.filter((m) => m.shape === 'rules_list').flatMap((m) => m.value as string[])),
      ].sort(compareCodePoints);
      const constraints = mergeObjects(objectsOf(memories, (shape) => shape === 'kv_map'));
      return { text: `Rules: ${rules.length}, Constraints: ${Object.keys(constraints).length}`, struct: { rules, constraints } };
    }
    case 'communication': {
      const preferences = mergeObjects(objectsOf(memories));
      return { text: `Communication preferences: ${Object.keys(preferences).length} settings`, struct: { preferences } };
    }
    case 'accessibility': {
      const flags = mergeObjects(objectsOf(memories, (shape) => shape === 'boolean_flags'));
      const settings = mergeObjects(objectsOf(memories, (shape) => shape !== 'boolean_flags'));
      return {
        text: `Accessibility: ${Object.keys(flags).length} flags, ${Object.keys(settings).length} settings`,
        struct: { flags, settings },
      };
    }
    case 'schedule': {
      const windows = dedupeWindows(
        memories.filter((m) => m.shape === 'schedule_windows').flatMap((m) => m.value as JsonObject[]),
      );
      return { text: `Schedule: ${windows.length} time windows`, struct: { windows } };
    }
    case 'attention': {
      const settings = mergeObjects(objectsOf(memories));
      return { text: `Attention settings: ${Object.keys(settings).length} preferences`, struct: { settings } };
    }
  }
}

/**
 * MemoryScope's deterministic merge. The same set of memories always gives
 * byte-identical output, whatever order they arrive in.
 */
export function mergeMemories(scope: Scope, memories: MergeInput[]): MergeResult {
  if (memories.length === 0) return { summary_text: 'No memories found.', summary_struct: {}, confidence: 0 };
  const { text, struct } = summarise(scope, chronological(memories));
  return {
    summary_text: text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 3)}...` : text,
    summary_struct: struct,
    confidence: Math.min(0.9, 0.5 + 0.1 * memories.length),
  };
}
