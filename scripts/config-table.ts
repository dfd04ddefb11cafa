// `npm run docs:config`: rewrites the configuration table in README.md from the schema in src/config.
import { readFileSync, writeFileSync } from 'node:fs';
import { configTable } from '../src/config/index.ts';

const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const start = '<!-- config:start -->';
const end = '<!-- config:end -->';
const from = readme.indexOf(start);
const to = readme.indexOf(end);
if (from < 0 || to < from) throw new Error(`README.md lacks the ${start} … ${end} markers`);
writeFileSync(path, `${readme.slice(0, from + start.length)}\n${configTable()}\n${readme.slice(to)}`);
