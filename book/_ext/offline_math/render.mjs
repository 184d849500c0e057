// Typesets a batch of TeX formulas as MathML with Temml (offline_math, at build time).
// Reads a JSON array of {tex, display} on stdin; writes a JSON array of
// {mathml} or {error} (the message Temml gives) in the same order.
import { createRequire } from 'node:module';
import fs from 'node:fs';

const require = createRequire(process.argv[2] + '/');
const temml = require('temml');
const items = JSON.parse(fs.readFileSync(0, 'utf8'));
const macros = {};
const out = items.map(({ tex, display }) => {
  try {
    return { mathml: temml.renderToString(tex, { displayMode: display, annotate: true,
                                                 throwOnError: true, macros }) };
  } catch (error) {
    return { error: String(error.message || error) };
  }
});
process.stdout.write(JSON.stringify(out));
