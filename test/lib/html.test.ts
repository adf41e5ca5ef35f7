import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../lib/html.js';

describe('escapeHtml', () => {
  it('leaves no markup and no way out of a quoted attribute', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')"> & co`)).toBe('&#60;img src=x onerror=&#34;a(&#39;b&#39;)&#34;&#62; &#38; co');
  });
});
