// `vitals server` under a write load, for shutdown tests: starts the server exactly as the CLI does
// (signal handlers included), then writes snapshots with ack=buffered and prints `acked <count>` after
// each acknowledged batch. The test sends SIGTERM and counts what reached Redis.
import { runServer } from '../../src/cli/server.ts';

const runtime = await runServer(process.env);
if (!runtime) throw new Error('server did not start');
process.stdout.write('ready\n');
let t = Date.now() - 3_600_000;
let acked = 0;
for (;;) {
  const names = ['cpu.usage', 'mem.used_pct', 'load.1', 'disk.used_pct{mount="/"}'];
  const batches = [];
  for (let i = 0; i < 50; i++) {
    t += 1;
    batches.push({
      org: 'acme',
      host: 'load',
      seriesKeys: names,
      series: [0, 1, 2, 3],
      timestamps: [t, t, t, t],
      values: [t % 100, 1, 2, 3],
    });
  }
  try {
    await runtime.tsdb.writer.write(batches, 'buffered');
  } catch {
    break; // shutting down
  }
  acked += 200;
  process.stdout.write(`acked ${acked}\n`);
  await new Promise((r) => setImmediate(r));
}
