/**
 * LucyAPI's description renderer (light markdown) with its bugs fixed: URLs
 * are found before escaping (a URL with `&` stays whole), literal `\n`
 * sequences become line breaks in every document, and all text is escaped.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const URL = /https?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]]/g;

/** Escapes a run of text, turning URLs into links and `**text**` into <strong>. */
export function inline(text: string): string {
  let html = '';
  let last = 0;
  for (const match of text.matchAll(URL)) {
    html += emphasis(escapeHtml(text.slice(last, match.index)));
    const url = escapeHtml(match[0]);
    html += `<a href="${url}" target="_blank" rel="noopener noreferrer">${url}</a>`;
    last = match.index + match[0].length;
  }
  return html + emphasis(escapeHtml(text.slice(last)));
}

function emphasis(escaped: string): string {
  return escaped.replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');
}

type Block = { kind: 'ul' | 'ol'; items: string[] } | { kind: 'p'; html: string };

const BULLET = /^-\s/;
const NUMBERED = /^\d{1,3}\.\s/;

/** The blocks of one paragraph (text between blank lines). */
function paragraphBlocks(paragraph: string): Block[] {
  const lines = paragraph.split('\n').map((l) => l.trim()).filter(Boolean);
  const listKind = lines.some((l) => BULLET.test(l)) ? 'ul' : lines.some((l) => NUMBERED.test(l)) ? 'ol' : null;
  if (!listKind) return lines.length ? [{ kind: 'p', html: lines.map(inline).join('<br>') }] : [];
  const marker = listKind === 'ul' ? BULLET : NUMBERED;
  const blocks: Block[] = [];
  let prose: string[] = [];
  const flushProse = () => {
    if (prose.length) blocks.push({ kind: 'p', html: prose.map(inline).join(' ') });
    prose = [];
  };
  for (const line of lines) {
    if (!marker.test(line)) {
      prose.push(line);
      continue;
    }
    flushProse();
    const item = inline(line.replace(marker, ''));
    const previous = blocks[blocks.length - 1];
    if (previous?.kind === listKind) previous.items.push(item);
    else blocks.push({ kind: listKind, items: [item] });
  }
  flushProse();
  return blocks;
}

/** A description as HTML: paragraphs, bullet and numbered lists (one list across blank lines), links, bold. */
export function renderDescription(text: string | null | undefined): string {
  if (!text) return '';
  const normalized = text.replace(/\r\n?/g, '\n').replace(/\\n/g, '\n');
  const blocks: Block[] = [];
  for (const paragraph of normalized.split(/\n\s*\n/)) {
    for (const block of paragraphBlocks(paragraph)) {
      const previous = blocks[blocks.length - 1];
      if (block.kind !== 'p' && previous?.kind === block.kind) previous.items.push(...block.items);
      else blocks.push(block);
    }
  }
  return blocks
    .map((b) => (b.kind === 'p' ? `<p>${b.html}</p>` : `<${b.kind}>${b.items.map((i) => `<li>${i}</li>`).join('')}</${b.kind}>`))
    .join('\n');
}
