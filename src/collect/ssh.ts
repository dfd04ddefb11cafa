import { createHash } from 'node:crypto';
// ssh2 is CommonJS: its named exports type-check but fail at run time, so take the default export.
import ssh2 from 'ssh2';
import { Type } from 'typebox';
import { type CollectContext, type Collector, SampleSet } from './collector.ts';
import { CollectError, messageOf } from './errors.ts';
import { type ProcState, procSamples } from './proc-metrics.ts';
import { splitSections } from './proc-parse.ts';
import { settingsReader } from './settings.ts';

export const SshSettings = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 255 }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535, default: 22 })),
    username: Type.String({ minLength: 1, maxLength: 128 }),
    password: Type.Optional(Type.String({ minLength: 1 })),
    privateKey: Type.Optional(Type.String({ minLength: 1, description: 'OpenSSH or PEM private key' })),
    passphrase: Type.Optional(Type.String()),
    hostFingerprint: Type.Optional(
      Type.String({
        pattern: '^SHA256:[A-Za-z0-9+/]+=*$',
        description: 'expected host key, as `ssh-keygen -lf` prints it',
      }),
    ),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000 })),
  },
  { additionalProperties: false },
);
const readSettings = settingsReader('ssh', SshSettings);

/** One round trip: every file the metrics need, each after a `@@vitals <name>` marker; POSIX sh. */
const SCRIPT = [
  'LC_ALL=C; export LC_ALL',
  'for f in stat meminfo loadavg uptime mounts; do echo "@@vitals $f"; cat /proc/$f 2>/dev/null; done',
  'echo "@@vitals netdev"; cat /proc/net/dev 2>/dev/null',
  'echo "@@vitals procs"; ls /proc | grep -c "^[0-9]"',
  'echo "@@vitals df"; df -P -k 2>/dev/null',
].join('\n');
const COMMAND = `exec /bin/sh -c '${SCRIPT}'`;
const MAX_OUTPUT = 4 * 1024 * 1024;

function sha256Fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function classify(err: unknown, hostKeyRejected: boolean): CollectError {
  if (err instanceof CollectError) return err;
  if (hostKeyRejected)
    return new CollectError('settings', 'ssh: the host key does not match hostFingerprint');
  const level = err instanceof Error ? Reflect.get(err, 'level') : undefined;
  const message = `ssh: ${messageOf(err)}`;
  if (level === 'client-authentication')
    return new CollectError('auth', `${message} (authentication refused)`);
  if (level === 'client-timeout') return new CollectError('timeout', message);
  if (level === 'client-socket') return new CollectError('unreachable', message, { cause: err });
  if (/privateKey|passphrase|parse/i.test(messageOf(err))) return new CollectError('settings', message);
  return new CollectError('protocol', message, { cause: err });
}

type SshSettings = ReturnType<typeof readSettings>;

/** Runs the script on a ready connection; resolves with its standard output. */
function execute(client: ssh2.Client, fail: (err: unknown) => void, done: (output: string) => void): void {
  client.exec(COMMAND, (err, stream) => {
    if (err) return fail(err);
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT)
        return fail(new CollectError('protocol', 'ssh: the host sent more output than expected'));
      chunks.push(chunk);
    });
    stream.stderr.resume();
    stream.on('close', () => done(Buffer.concat(chunks).toString('utf8')));
  });
}

function connectConfig(
  settings: SshSettings,
  timeoutMs: number,
  verify: (key: Buffer) => boolean,
): ssh2.ConnectConfig {
  const { host, username, password, privateKey, passphrase } = settings;
  return {
    host,
    port: settings.port ?? 22,
    username,
    password,
    privateKey,
    passphrase,
    readyTimeout: timeoutMs,
    tryKeyboard: false,
    hostVerifier: verify,
  };
}

/** Runs the script over one connection and returns its output. */
function run(settings: SshSettings, ctx: CollectContext): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let hostKeyRejected = false;
    const fail = (err: unknown) => {
      client.end();
      reject(classify(err, hostKeyRejected));
    };
    const onAbort = () => fail(new CollectError('timeout', `ssh: no answer within ${ctx.timeoutMs} ms`));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    client.on('error', fail);
    client.on('close', () => ctx.signal.removeEventListener('abort', onAbort));
    client.on('ready', () =>
      execute(client, fail, (output) => {
        client.end();
        resolve(output);
      }),
    );
    const verify = (key: Buffer) => {
      const expected = settings.hostFingerprint;
      hostKeyRejected = expected !== undefined && sha256Fingerprint(key) !== expected.replace(/=+$/, '');
      return !hostKeyRejected;
    };
    try {
      client.connect(connectConfig(settings, ctx.timeoutMs, verify));
    } catch (err: unknown) {
      // ssh2 throws at once for a key it cannot read (malformed, or encrypted without passphrase).
      fail(new CollectError('settings', `ssh: ${messageOf(err)}`));
    }
  });
}

/** Host metrics over SSH from /proc and `df`, with rates from the previous collection (kept in Redis). */
export class SshCollector implements Collector {
  readonly kind = 'ssh';
  readonly connection = 'ssh';

  async collect(ctx: CollectContext): Promise<SampleSet> {
    const settings = readSettings(ctx.settings);
    if (settings.password === undefined && settings.privateKey === undefined) {
      throw new CollectError('settings', 'ssh collector: collector.settings needs password or privateKey');
    }
    const output = await run(settings, ctx);
    const sections = splitSections(output);
    if (!(sections.get('stat') ?? '').includes('cpu')) {
      throw new CollectError('settings', 'ssh: the host has no /proc/stat; the SSH collector needs Linux');
    }
    const now = ctx.now();
    const set = new SampleSet(now);
    const prev = await ctx.state.get<ProcState>();
    await ctx.state.set(procSamples(sections, prev, now, set));
    return set;
  }
}
