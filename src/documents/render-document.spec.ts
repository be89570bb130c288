import { renderDocument, DocumentSection } from './render-document';
import { renderDescription } from './render-text';

const at = new Date('2026-11-22T03:04:05Z');
const section = (section_id: number, parent_id: number, title = `S${section_id}`): DocumentSection => ({
  section_id,
  parent_id,
  title,
  description: null,
});

describe('renderDescription', () => {
  it('renders a paragraph, one <ul> of two items and one <ol> of two items merged across the blank line (§5.14 #80)', () => {
    const html = renderDescription('Intro\n\n- a\n- b\n\n1. x\n\n2. y');
    expect(html).toBe('<p>Intro</p>\n<ul><li>a</li><li>b</li></ul>\n<ol><li>x</li><li>y</li></ol>');
  });

  it('turns literal backslash-n sequences into line breaks (projects and wikis alike, §5.14 #81 fixed)', () => {
    expect(renderDescription('one\\ntwo')).toBe('<p>one<br>two</p>');
    expect(renderDescription('one\r\ntwo')).toBe('<p>one<br>two</p>');
  });

  it('escapes HTML, makes **bold** strong, and keeps a URL with & whole (§5.14 #82 fixed)', () => {
    const html = renderDescription('<script>alert(1)</script> **bold** https://a.b/c?x=1&y=2.');
    expect(html).toBe(
      '<p>&lt;script&gt;alert(1)&lt;/script&gt; <strong>bold</strong> ' +
        '<a href="https://a.b/c?x=1&amp;y=2" target="_blank" rel="noopener noreferrer">https://a.b/c?x=1&amp;y=2</a>.</p>',
    );
  });

  it('never lets a quote in a URL break out of the href', () => {
    const html = renderDescription('https://evil.example/"onmouseover="x');
    expect(html).not.toContain('"onmouseover');
    expect(html).toContain('href="https://evil.example/"');
  });

  it('keeps prose lines around list items as paragraphs, in order', () => {
    expect(renderDescription('Before\n- a\nMiddle\n- b')).toBe('<p>Before</p>\n<ul><li>a</li></ul>\n<p>Middle</p>\n<ul><li>b</li></ul>');
  });

  it('is empty for no description', () => {
    expect(renderDescription(null)).toBe('');
    expect(renderDescription('')).toBe('');
  });
});

describe('renderDocument', () => {
  it('nests headings h2, h3, … and caps them at h6 (§5.14 #83); TOC anchors match the section ids', () => {
    const chain = [section(1, 0), section(2, 1), section(3, 2), section(4, 3), section(5, 4), section(6, 5)];
    const html = renderDocument({ title: 'P', description: null, sections: chain, generatedAt: at });
    expect(html).toMatch(/<section id="section-1"><h2>S1<\/h2>/);
    expect(html).toMatch(/<section id="section-2"><h3>S2<\/h3>/);
    expect(html).toMatch(/<section id="section-5"><h6>S5<\/h6>/);
    expect(html).toMatch(/<section id="section-6"><h6>S6<\/h6>/);
    for (let id = 1; id <= 6; id++) expect(html).toContain(`<a href="#section-${id}">S${id}</a>`);
  });

  it('renders orphan sections as roots, in section_id order', () => {
    const html = renderDocument({ title: 'P', description: null, sections: [section(9, 0), section(4, 77, 'Orphan')], generatedAt: at });
    expect(html.indexOf('<section id="section-4"><h2>Orphan</h2>')).toBeGreaterThan(-1);
    expect(html.indexOf('section-4')).toBeLessThan(html.indexOf('section-9'));
  });

  it('has no table of contents without sections, and states meta, count and generation time', () => {
    const html = renderDocument({ title: 'Empty', description: null, meta: 'Status: Active', sections: [], generatedAt: at });
    expect(html).not.toContain('<nav>');
    expect(html).toContain('<p class="meta">Status: Active · Generated: 2026-11-22 03:04 UTC · Sections: 0</p>');
  });

  it('escapes every title, file path and tag, and loads nothing from elsewhere', () => {
    const html = renderDocument({
      title: '<b>T</b>',
      description: null,
      sections: [{ ...section(1, 0, '<i>x</i>'), file_path: '<a>.ts', tags: ['<t>'], updated_at: at }],
      generatedAt: at,
    });
    expect(html).toContain('<title>&lt;b&gt;T&lt;/b&gt;</title>');
    expect(html).toContain('<h2>&lt;i&gt;x&lt;/i&gt;</h2>');
    expect(html).toContain('Associated file: &lt;a&gt;.ts');
    expect(html).toContain('<span class="tag">&lt;t&gt;</span>');
    expect(html).toContain('Updated 2026-11-22 03:04 UTC');
    expect(html).not.toMatch(/<script|<link|@import|https?:\/\/fonts/);
  });
});
