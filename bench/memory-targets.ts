/**
 * The scoped-memory side of the benchmark: the subject whose memories the read
 * target merges, the 50 memories stored about it before measuring, and the
 * request bodies of the write and read targets.
 */

/** The subject the read target reads: 50 memories of mixed shapes in scope `preferences`. */
export const READ_SUBJECT = 'bench-reader';
/** The subject every write of the write target stores a memory about. */
export const WRITE_SUBJECT = 'bench-writer';
/** Memories stored about READ_SUBJECT before measuring (MERGE_LIMIT's default, so a read merges all of them). */
export const READ_SUBJECT_MEMORIES = 50;

export const WRITE_BODY = JSON.stringify({
  user_id: WRITE_SUBJECT,
  scope: 'preferences',
  source: 'explicit_user_input',
  ttl_days: 30,
  value_json: { likes: ['coffee'] },
});

/** The read target's body; also the scale measurement's. */
export const READ_BODY = JSON.stringify({
  user_id: READ_SUBJECT,
  scope: 'preferences',
  purpose_class: 'recommendation',
});

const FOODS = ['coffee', 'Sushi', 'green tea', 'dark chocolate', 'ramen', 'Espresso', 'tapas', 'falafel', 'kimchi', 'mango'];
const DISLIKED = ['olives', 'cilantro', 'anchovies', 'Licorice', 'blue cheese', 'okra'];
const GENRES = ['jazz', 'Podcasts', 'sci-fi', 'board games', 'hiking', 'cycling', 'documentaries', 'indie rock'];

/**
 * The `i`-th memory about READ_SUBJECT: likes/dislikes (with overlaps, case and
 * spacing variants and changes of stance, so the merge has work to do),
 * key/value settings (with keys that differ only in case and separators),
 * boolean flags, a rules list and schedule windows.
 */
export function readSubjectMemory(i: number): string {
  const pick = <T>(list: T[], k: number) => list[k % list.length];
  let value: unknown;
  switch (i % 10) {
    case 0:
    case 3:
    case 6:
      value = { likes: [pick(FOODS, i), pick(GENRES, i), ` ${pick(FOODS, i + 3).toUpperCase()} `], dislikes: [pick(DISLIKED, i)] };
      break;
    case 1:
    case 8:
      // A newer memory that dislikes something liked earlier (and the reverse): newest stance wins.
      value = { likes: [pick(DISLIKED, i + 1)], dislikes: [pick(FOODS, i + 5), pick(GENRES, i + 2)] };
      break;
    case 2:
    case 7:
      value = {
        [i % 4 === 0 ? 'Language' : 'language']: pick(['en', 'de', 'fr'], i),
        [i % 3 === 0 ? 'unit-system' : 'unit_system']: pick(['metric', 'imperial'], i),
        price_range: pick(['$', '$$', '$$$'], i),
        max_distance_km: 5 + i,
      };
      break;
    case 4:
      value = { vegetarian: i % 20 === 4, spicy_food: true, gluten_free: false };
      break;
    case 5:
      value = [`no recommendations before ${7 + (i % 3)}:00`, 'avoid chains', 'prefer local places'];
      break;
    default:
      value = [{ day: pick(['mon', 'wed', 'fri', 'sat'], i), start: '18:00', end: '22:00' }];
  }
  return JSON.stringify({
    user_id: READ_SUBJECT,
    scope: 'preferences',
    source: i % 2 === 0 ? 'explicit_user_input' : 'user_setting',
    ttl_days: 30 + i,
    value_json: value,
  });
}
