import { blankCells } from './classes/blank-cells.gen';
import { extractBytes } from '../src/pipeline/extract';
import { writeFileSync } from 'fs';
test('dbg', async () => {
  const ids = (process.env.DBG_IDS ?? '').split(',');
  const gen = require(`./classes/${process.env.DBG_GEN ?? 'blank-cells'}.gen`);
  const g = Object.values(gen)[0] as typeof blankCells;
  const docs = await g.make(Number(process.env.DBG_SEED ?? 1), Number(process.env.DBG_N ?? 24));
  for (const d of docs) {
    if (!ids.includes(d.expected.id)) continue;
    writeFileSync(`/tmp/tv/${d.name}`, d.bytes);
    const x = await extractBytes(d.bytes, { path: d.name });
    writeFileSync(`/tmp/tv/${d.expected.id}.json`, JSON.stringify({ x, e: d.expected }, null, 1));
    console.log(d.expected.id, d.expected.variant, x.status, x.meta, x.flags.slice(0, 12).map((f) => `${f.code} ${f.field ?? ''} ${f.message.slice(0, 100)}`).join('\n'));
  }
});
