// A writer in its own process for crash tests: writes one snapshot every few ms with ack=durable and
// prints `ack <timestamp> <stored>` once each write is acknowledged. Killed with SIGKILL by the test.
import { testTsdb } from './tsdb.ts';

const [redisUrl, prefix, dataDir] = process.argv.slice(2);
if (!redisUrl || !prefix || !dataDir) throw new Error('usage: writer-child <redisUrl> <prefix> <dataDir>');
const db = await testTsdb(redisUrl, prefix, { VITALS_DATA_DIR: dataDir }, { breakerHalfOpenMs: 500 });
let t = Date.now() - 3_600_000;
for (;;) {
  t += 1000;
  const stamp = t;
  const result = await db.writer.write([
    {
      org: 'acme',
      host: 'crash',
      seriesKeys: ['cpu.usage', 'mem.used_pct'],
      series: [0, 1],
      timestamps: [stamp, stamp],
      values: [stamp % 97, stamp % 89],
    },
  ]);
  process.stdout.write(`ack ${stamp} ${result.stored}\n`);
}
