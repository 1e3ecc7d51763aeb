// Top functions of .cpuprofile files, from `node --cpu-prof` or `npm run bench -- --profile`:
//   node --import tsx bench/profile-summary.ts FILE.cpuprofile [...] [--top 15]
// Self% is time spent in the function itself; total% includes what it called.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatSummary, summariseProfile, type CpuProfile } from './lib/cpuprofile.ts';

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '15' } }, allowPositionals: true });
if (positionals.length === 0) {
  console.error('usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [...] [--top N]');
  process.exit(2);
}
for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(`${file}\n${formatSummary(summariseProfile(profile, Number(values.top)), Number(values.top))}\n`);
}
