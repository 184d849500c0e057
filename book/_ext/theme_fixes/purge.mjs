// theme_fixes/css_bundles.py: the shared style sheet bundle without the rules that no page
// of the built site can use, by PurgeCSS. Reads {css, files} as JSON on stdin (files: the
// site's pages and scripts, whose words are what a rule's selector must find); writes
// {css, rejected} (the purged text; how many selectors were dropped).
import { createRequire } from 'node:module';
import fs from 'node:fs';

const require = createRequire(process.argv[2] + '/');
const { PurgeCSS } = require('purgecss');
const { css, files } = JSON.parse(fs.readFileSync(0, 'utf8'));
const content = files.map((file) => ({
  raw: fs.readFileSync(file, 'utf8'),
  extension: file.endsWith('.js') ? 'js' : 'html',
}));
const [result] = await new PurgeCSS().purge({
  content,
  css: [{ raw: css }],
  rejected: true,
  // Names Bootstrap's script puts together from pieces, so that no script contains them
  // whole: its data-bs-* attributes ("data-bs-" + "popper") and the placement classes of
  // tooltips and popovers (`bs-${NAME}-auto`; without them a tooltip loses its arrow).
  // And the colour modes: a rule for html[data-theme=dark] must not hang on the word
  // "dark" happening to be in some page or script.
  // PurgeCSS also drops a selector made of pseudo-classes alone, which no word can match:
  // the theme's focus ring for every element (:focus-visible) went with it.
  safelist: {
    standard: [/^(::?[a-z-]+(\([^)]*\))?)+$/],
    greedy: [/data-bs-/, /\bbs-(tooltip|popover)-/, /data-(theme|mode)\b/],
  },
});
process.stdout.write(JSON.stringify({ css: result.css, rejected: result.rejected.length }));
