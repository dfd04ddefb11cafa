// Static checks of deploy/ (compose files, Dockerfile, Kubernetes manifests) and of the systemd units in
// docs/, against the configuration schema (src/config/vars.ts) and the server's routes. Nothing is built,
// pulled or started: every file is parsed and cross-checked, so a renamed variable, a changed default or
// a port typo fails here instead of in a deployment.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { healthRoutes } from '../src/api/routes/health.ts';
import { type Config, ConfigError, loadConfig } from '../src/config/index.ts';
import { allVars } from '../src/config/load.ts';
import { serverVars, storageVars } from '../src/config/vars.ts';
import { isSecretName } from '../src/contract/index.ts';
import { HealthRegistry } from '../src/monitor/index.ts';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const DEPLOY = join(ROOT, 'deploy');
const SERVER_COMMAND = ['node', 'dist/cli/vitals.js', 'server'];

/** Environment names a manifest may set that are not Vitals settings, each with why. */
const NON_VITALS_ENV: Readonly<Record<string, string>> = {
  NODE_ENV: 'Node convention; set to production in the image',
};

/** Variables only docker compose reads (interpolation in deploy/*.yml), never passed to a server. */
const COMPOSE_ONLY_VARS: Readonly<Record<string, string>> = {
  REDIS_MAXMEMORY: 'maxmemory of each Redis node',
};

/** Valid stand-ins for secrets a manifest leaves to the operator. */
const PLACEHOLDERS: Readonly<Record<string, string>> = {
  VITALS_ADMIN_TOKEN: `vt_${randomBytes(32).toString('base64url')}`,
  VITALS_SECRET_KEY: randomBytes(32).toString('base64'),
  REDIS_PASSWORD: randomBytes(16).toString('hex'),
};

const DEFAULT_PORT = serverVars.PORT.schema.parse(undefined);
const DEFAULT_SHUTDOWN_MS = serverVars.VITALS_SHUTDOWN_TIMEOUT_MS.schema.parse(undefined);

// ---------------------------------------------------------------------------------------------------
// Reading the files

type Yaml = Record<string, unknown>;

function read(path: string): string {
  return readFileSync(path, 'utf8');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(DEPLOY, join(entry.parentPath, entry.name)))
    .sort();
}

function yamlFile(path: string): Yaml {
  return parse(read(path), { merge: true }) as Yaml;
}

function obj(value: unknown, what: string): Yaml {
  expect(value, what).toBeTypeOf('object');
  expect(value, what).not.toBeNull();
  return value as Yaml;
}

function str(value: unknown, what: string): string {
  expect(value, what).toBeTypeOf('string');
  return value as string;
}

/** KEY=VALUE lines of an env file, comments and blank lines left out. */
function envFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of read(path).split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    expect(match, `${path}: ${line}`).not.toBeNull();
    out[(match as RegExpExecArray)[1] as string] = (match as RegExpExecArray)[2] as string;
  }
  return out;
}

/** Instructions of a Dockerfile: keyword and argument text (continuation lines joined). */
function dockerfile(path: string): { keyword: string; args: string }[] {
  const joined = read(path)
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.trim().split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

function dockerfileCmd(path: string): string[] {
  const cmds = dockerfile(path).filter((i) => i.keyword === 'CMD');
  expect(cmds).toHaveLength(1);
  return JSON.parse((cmds[0] as { args: string }).args) as string[];
}

/** Shell-like split of a compose `command:` string (no quoting is used in ours). */
function words(command: unknown): string[] {
  if (Array.isArray(command)) return command.map(String);
  return str(command, 'command').trim().split(/\s+/);
}

/** `--name value` pairs of a redis-server command line. */
function redisFlags(command: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 1; i < command.length; i++) {
    const word = command[i] as string;
    if (word.startsWith('--')) flags.set(word.slice(2), command[i + 1] ?? '');
  }
  return flags;
}

/** Milliseconds of a compose duration such as `45s`, `1m30s` or `500ms`. */
function composeDurationMs(text: string): number {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let consumed = '';
  for (let m = re.exec(text); m; m = re.exec(text)) {
    consumed += m[0];
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  }
  expect(consumed, `duration ${text}`).toBe(text);
  return total;
}

/** Bytes of a Kubernetes quantity such as `2Gi` or `500M`. */
function quantityBytes(text: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text);
  expect(m, `quantity ${text}`).not.toBeNull();
  const units: Record<string, number> = {
    '': 1,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return Number((m as RegExpExecArray)[1]) * (units[(m as RegExpExecArray)[2] ?? ''] as number);
}

/** Loads the configuration a server would get, or fails the test with every problem named. */
function configOf(env: Record<string, string>, where: string): Config {
  try {
    return loadConfig(env);
  } catch (err: unknown) {
    if (err instanceof ConfigError) expect.fail(`${where}: ${err.problems.join('; ')}`);
    throw err;
  }
}

function expectKnownVariable(name: string, where: string): void {
  expect(name in allVars || name in NON_VITALS_ENV, `${where}: ${name} is not a Vitals setting`).toBe(true);
}

// ---------------------------------------------------------------------------------------------------
// docker compose

const ENV_EXAMPLE = envFile(join(DEPLOY, '.env.example'));

/** The values compose would interpolate: .env.example, with the secrets the operator fills in. */
const COMPOSE_VARS: Record<string, string> = Object.fromEntries(
  Object.entries(ENV_EXAMPLE).map(([k, v]) => [k, v === '' ? (PLACEHOLDERS[k] ?? '') : v]),
);

/** Compose interpolation of one value; every variable it names must be in deploy/.env.example. */
function interpolate(value: string, where: string): string {
  return value
    .replace(
      /\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}/g,
      (_all, name: string, op: string | undefined, fallback: string | undefined) => {
        expect(ENV_EXAMPLE, `${where}: \${${name}} is not in deploy/.env.example`).toHaveProperty(name);
        const set = COMPOSE_VARS[name];
        if (op === ':?' || op === '?') {
          expect(set, `${where}: ${name} is required`).toBeTruthy();
          return set as string;
        }
        if (op === ':-' || op === '-') return set ? set : (fallback ?? '');
        return set ?? '';
      },
    )
    .replace(/\$\$/g, '$');
}

interface Compose {
  readonly file: string;
  readonly services: Record<string, Yaml>;
  readonly servers: string[];
}

function loadCompose(name: string): Compose {
  const doc = yamlFile(join(DEPLOY, name));
  const services = obj(doc.services, `${name}: services`) as Record<string, Yaml>;
  const servers = Object.keys(services).filter((s) => {
    const build = services[s]?.build as Yaml | undefined;
    return build?.dockerfile === 'deploy/Dockerfile';
  });
  return { file: name, services, servers };
}

function serverEnv(compose: Compose, server: string): Record<string, string> {
  const env = obj(compose.services[server]?.environment, `${server}: environment (a map)`);
  expect(Array.isArray(env), `${server}: environment is a map`).toBe(false);
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, interpolate(String(v), `${compose.file} ${server} ${k}`)]),
  );
}

function redisCommand(compose: Compose, service: string): string[] {
  return words(interpolate(words(compose.services[service]?.command).join(' '), service));
}

/** Redis data services (redis-server, not sentinels or one-shot jobs) of a compose file. */
function redisServers(compose: Compose): string[] {
  return Object.keys(compose.services).filter((s) => {
    const svc = compose.services[s] as Yaml;
    return String(svc.image ?? '').startsWith('redis:') && words(svc.command ?? '')[0] === 'redis-server';
  });
}

function hostPorts(list: string): string[] {
  return list.split(',').map((x) => x.trim());
}

function commonServerChecks(compose: Compose): void {
  const { services, servers } = compose;
  expect(servers, `${compose.file}: server services`).toHaveLength(3);

  // Identical but for their published port and data volume.
  const shapes = servers.map((s) => {
    const { ports: _p, volumes: _v, ...rest } = services[s] as Yaml;
    return JSON.stringify(rest);
  });
  expect(new Set(shapes).size, `${compose.file}: servers differ beyond ports and volumes`).toBe(1);

  const published: string[] = [];
  const volumes: string[] = [];
  for (const server of servers) {
    const svc = services[server] as Yaml;
    const where = `${compose.file} ${server}`;
    const build = obj(svc.build, `${where}: build`);
    const dockerfilePath = join(DEPLOY, str(build.context, 'context'), str(build.dockerfile, 'dockerfile'));
    expect(existsSync(dockerfilePath), `${where}: ${dockerfilePath}`).toBe(true);
    expect(svc.command ?? dockerfileCmd(dockerfilePath), `${where}: command`).toEqual(SERVER_COMMAND);

    // Every variable is a setting, and together they pass the configuration's validation.
    const env = serverEnv(compose, server);
    for (const name of Object.keys(env)) expectKnownVariable(name, where);
    const config = configOf(env, where);
    expect(config.redis.explicit, `${where}: an explicit Redis`).toBe(true);

    // Secrets come from the environment file, never as literals in the compose file.
    const raw = obj(svc.environment, 'environment');
    for (const name of Object.keys(raw).filter(isSecretName))
      expect(String(raw[name]), `${where}: ${name} from deploy/.env`).toMatch(
        new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`),
      );
    // Each server has its own data volume, so a generated key would differ: the key must be shared.
    expect(env.VITALS_SECRET_KEY, `${where}: VITALS_SECRET_KEY`).toBeTruthy();
    expect(env.VITALS_ADMIN_TOKEN, `${where}: VITALS_ADMIN_TOKEN`).toBeTruthy();
    // Several processes take turns on an agent's pushes: newest values must come from Redis.
    expect(config.storage.hotReads, `${where}: VITALS_HOT_READS`).toBe('none');

    // The container port is the PORT the server listens on.
    const ports = (svc.ports as unknown[]).map(String);
    expect(ports, `${where}: ports`).toHaveLength(1);
    const [host, container] = (ports[0] as string).split(':');
    expect(Number(container), `${where}: container port = PORT`).toBe(config.server.port);
    published.push(host as string);

    // The data directory is a volume of its own.
    const mounts = (svc.volumes as unknown[]).map(String);
    const dataMount = mounts.find((m) => m.split(':')[1] === config.server.dataDir);
    expect(dataMount, `${where}: a volume at VITALS_DATA_DIR (${config.server.dataDir})`).toBeDefined();
    volumes.push((dataMount as string).split(':')[0] as string);

    // The healthcheck asks /readyz on that port.
    const test = (obj(svc.healthcheck, `${where}: healthcheck`).test as unknown[]).map(String).join(' ');
    const url = /https?:\/\/[^/:'"\s]+:(\d+)(\/[^'"\s)]*)/.exec(test);
    expect(url, `${where}: healthcheck URL`).not.toBeNull();
    expect(Number(url?.[1]), `${where}: healthcheck port = PORT`).toBe(config.server.port);
    expect(url?.[2], `${where}: healthcheck path`).toBe('/readyz');

    // Compose waits longer than Vitals' own shutdown deadline before SIGKILL.
    expect(
      composeDurationMs(str(svc.stop_grace_period, `${where}: stop_grace_period`)),
      `${where}: stop_grace_period > VITALS_SHUTDOWN_TIMEOUT_MS`,
    ).toBeGreaterThan(config.server.shutdownTimeoutMs);
  }
  expect(new Set(published).size, `${compose.file}: distinct host ports`).toBe(servers.length);
  expect(new Set(volumes).size, `${compose.file}: a data volume per server`).toBe(servers.length);

  // Every Redis data node: no eviction, AOF with everysec.
  for (const node of redisServers(compose)) {
    const flags = redisFlags(redisCommand(compose, node));
    expect(flags.get('maxmemory-policy'), `${node}: maxmemory-policy`).toBe('noeviction');
    expect(flags.get('appendonly'), `${node}: appendonly`).toBe('yes');
    expect(flags.get('appendfsync'), `${node}: appendfsync`).toBe('everysec');
    expect(flags.get('maxmemory'), `${node}: maxmemory`).toMatch(/^\d+(kb|mb|gb)?$/i);
  }
}

describe('deploy/', () => {
  it('holds only files this test checks', () => {
    expect(listFiles(DEPLOY)).toEqual([
      '.env.example',
      '.gitignore',
      'Dockerfile',
      'Dockerfile.dockerignore',
      'docker-compose.cluster.yml',
      'docker-compose.sentinel.yml',
      'kubernetes/configmap.yaml',
      'kubernetes/deployment.yaml',
      'kubernetes/pdb.yaml',
      'kubernetes/secret.example.yaml',
      'kubernetes/service.yaml',
    ]);
    for (const file of listFiles(DEPLOY).filter((f) => /\.ya?ml$/.test(f))) {
      for (const doc of parseAllDocuments(read(join(DEPLOY, file)), { merge: true }))
        expect(doc.errors, file).toEqual([]);
    }
  });

  it('.env.example names Vitals settings and compose-only variables, and keeps deploy/.env out of git', () => {
    for (const name of Object.keys(ENV_EXAMPLE))
      expect(name in allVars || name in COMPOSE_ONLY_VARS, `.env.example: ${name}`).toBe(true);
    // Secrets are left empty for the operator.
    for (const name of Object.keys(ENV_EXAMPLE).filter(isSecretName)) expect(ENV_EXAMPLE[name]).toBe('');
    const ignored = read(join(DEPLOY, '.gitignore')).split('\n');
    expect(ignored).toContain('.env');
    expect(read(join(DEPLOY, 'Dockerfile.dockerignore')).split('\n')).toContain('deploy/.env');
  });

  it('Dockerfile: node:20-bookworm-slim, npm ci and both builds, non-root, data volume, the server', () => {
    const path = join(DEPLOY, 'Dockerfile');
    const steps = dockerfile(path);
    const froms = steps.filter((s) => s.keyword === 'FROM');
    expect(froms.length).toBeGreaterThan(0);
    for (const from of froms) expect(from.args.split(' ')[0]).toBe('node:20-bookworm-slim');
    const runs = steps.filter((s) => s.keyword === 'RUN').map((s) => s.args);
    for (const needed of ['npm ci', 'npm run build', 'npm run build:web'])
      expect(
        runs.some((r) => r.includes(needed)),
        needed,
      ).toBe(true);
    // Both scripts exist in package.json.
    const scripts = (JSON.parse(read(join(ROOT, 'package.json'))) as { scripts: Record<string, string> })
      .scripts;
    expect(scripts).toHaveProperty('build');
    expect(scripts).toHaveProperty('build:web');

    const last = steps.slice(steps.lastIndexOf(froms.at(-1) as (typeof steps)[number]));
    const user = last.filter((s) => s.keyword === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    const env = last
      .filter((s) => s.keyword === 'ENV')
      .flatMap((s) => s.args.split(/\s+/))
      .map((kv) => kv.split('='));
    const dataDir = env.find(([k]) => k === 'VITALS_DATA_DIR')?.[1];
    expect(dataDir).toBe('/var/lib/vitals');
    for (const [name] of env) expectKnownVariable(name as string, 'Dockerfile ENV');
    const volume = last.find((s) => s.keyword === 'VOLUME')?.args ?? '';
    expect(JSON.parse(volume)).toContain(dataDir);
    expect(Number(last.find((s) => s.keyword === 'EXPOSE')?.args)).toBe(DEFAULT_PORT);
    expect(dockerfileCmd(path)).toEqual(SERVER_COMMAND);
    // What the server reads at run time beside dist/: its version (package.json) and web/dist.
    const copies = last.filter((s) => s.keyword === 'COPY').map((s) => s.args);
    expect(copies.some((c) => c.startsWith('package.json'))).toBe(true);
    expect(copies.some((c) => c.endsWith('/dist ./dist'))).toBe(true);
    expect(copies.some((c) => c.endsWith('/web/dist ./web/dist'))).toBe(true);
    const ignored = read(join(DEPLOY, 'Dockerfile.dockerignore')).split('\n');
    for (const dir of ['node_modules', 'dist', 'web/dist']) expect(ignored).toContain(dir);
  });

  describe('docker-compose.cluster.yml', () => {
    const compose = loadCompose('docker-compose.cluster.yml');

    it('runs three identical servers with valid settings, ports, healthchecks and volumes', () => {
      commonServerChecks(compose);
      for (const server of compose.servers)
        expect(configOf(serverEnv(compose, server), server).redis.mode).toBe('cluster');
    });

    it('has 6 cluster nodes, each in REDIS_CLUSTER_NODES and in --cluster create (3 masters + 3 replicas)', () => {
      const nodes = redisServers(compose);
      expect(nodes).toHaveLength(6);
      const addresses = nodes.map((node) => {
        const flags = redisFlags(redisCommand(compose, node));
        expect(flags.get('cluster-enabled'), `${node}: cluster-enabled`).toBe('yes');
        expect(flags.get('cluster-node-timeout'), `${node}: cluster-node-timeout`).toBe('5000');
        // Nodes announce their service names, which the servers and redirections use.
        expect(flags.get('cluster-announce-hostname'), `${node}: announced name`).toBe(node);
        return `${node}:${flags.get('port') ?? 6379}`;
      });

      for (const server of compose.servers) {
        const listed = hostPorts(serverEnv(compose, server).REDIS_CLUSTER_NODES ?? '');
        expect(listed.sort(), `${server}: REDIS_CLUSTER_NODES`).toEqual([...addresses].sort());
      }

      const inits = Object.keys(compose.services).filter((s) =>
        words(compose.services[s]?.command ?? '')
          .join(' ')
          .includes('--cluster create'),
      );
      expect(inits).toHaveLength(1);
      const init = compose.services[inits[0] as string] as Yaml;
      const script = words(init.command).join(' ');
      const create = script.slice(script.indexOf('--cluster create'));
      const created = [...create.matchAll(/\$\$\(addr ([\w-]+)\):(\d+)/g)].map((m) => `${m[1]}:${m[2]}`);
      expect(created.sort(), '--cluster create lists every node').toEqual([...addresses].sort());
      const replicas = Number(/--cluster-replicas (\d+)/.exec(create)?.[1]);
      expect(replicas).toBe(1);
      expect(create).toContain('--cluster-yes');
      expect(nodes.length / (1 + replicas), 'masters').toBe(3);

      // The one-shot waits for every node, and the servers wait for it.
      expect(Object.keys(obj(init.depends_on, 'init depends_on')).sort()).toEqual([...nodes].sort());
      expect(init.restart).toBe('no');
      for (const server of compose.servers) {
        const deps = obj(compose.services[server]?.depends_on, `${server}: depends_on`);
        expect(obj(deps[inits[0] as string], 'depends on init').condition).toBe(
          'service_completed_successfully',
        );
      }
    });
  });

  describe('docker-compose.sentinel.yml', () => {
    const compose = loadCompose('docker-compose.sentinel.yml');

    /** The sentinel.conf a sentinel service writes (the heredoc of its command). */
    function sentinelConf(service: string): string[] {
      const script = words(compose.services[service]?.command).join('\n');
      const body = /<<'CONF'\n([\s\S]*?)\nCONF\n/.exec(script);
      expect(body, `${service}: sentinel.conf heredoc`).not.toBeNull();
      return (body?.[1] ?? '').split('\n').map((l) => l.trim());
    }

    it('runs three identical servers with valid settings, ports, healthchecks and volumes', () => {
      commonServerChecks(compose);
      for (const server of compose.servers)
        expect(configOf(serverEnv(compose, server), server).redis.mode).toBe('sentinel');
    });

    it('has one master, one replica of it and three sentinels watching REDIS_SENTINEL_NAME', () => {
      const data = redisServers(compose);
      expect(data).toHaveLength(2);
      const replicas = data.filter((d) => redisFlags(redisCommand(compose, d)).has('replicaof'));
      expect(replicas).toHaveLength(1);
      const master = data.find((d) => !replicas.includes(d)) as string;
      const masterPort = redisFlags(redisCommand(compose, master)).get('port') ?? '6379';
      expect(redisFlags(redisCommand(compose, replicas[0] as string)).get('replicaof')).toBe(master);
      for (const node of data)
        expect(redisFlags(redisCommand(compose, node)).get('replica-announce-ip'), node).toBe(node);

      const sentinels = Object.keys(compose.services).filter((s) =>
        words(compose.services[s]?.command ?? '')
          .join(' ')
          .includes('redis-sentinel'),
      );
      expect(sentinels).toHaveLength(3);
      const config = configOf(serverEnv(compose, compose.servers[0] as string), 'server');
      const addresses = sentinels.map((sentinel) => {
        const conf = sentinelConf(sentinel);
        const monitor = conf.find((l) => l.startsWith('sentinel monitor '))?.split(/\s+/) ?? [];
        expect(monitor.slice(2, 5), `${sentinel}: sentinel monitor <name> <master> <port>`).toEqual([
          config.redis.sentinelName,
          master,
          masterPort,
        ]);
        expect(Number(monitor[5]), `${sentinel}: quorum, a majority`).toBe(
          Math.floor(sentinels.length / 2) + 1,
        );
        // Hostnames everywhere (resolve-hostnames before the monitor line that names one).
        const resolveAt = conf.indexOf('sentinel resolve-hostnames yes');
        expect(resolveAt, `${sentinel}: resolve-hostnames`).toBeGreaterThanOrEqual(0);
        expect(resolveAt).toBeLessThan(conf.findIndex((l) => l.startsWith('sentinel monitor ')));
        expect(conf).toContain('sentinel announce-hostnames yes');
        expect(conf).toContain(`sentinel announce-ip ${sentinel}`);
        expect(conf).toContain(`sentinel down-after-milliseconds ${config.redis.sentinelName} 5000`);
        const port = conf.find((l) => l.startsWith('port '))?.split(/\s+/)[1];
        return `${sentinel}:${port}`;
      });
      for (const server of compose.servers) {
        const env = serverEnv(compose, server);
        expect(hostPorts(env.REDIS_SENTINELS ?? '').sort(), `${server}: REDIS_SENTINELS`).toEqual(
          [...addresses].sort(),
        );
        expect(env.REDIS_SENTINEL_NAME, `${server}: REDIS_SENTINEL_NAME`).toBe(config.redis.sentinelName);
      }
    });
  });

  describe('kubernetes/', () => {
    const docs = listFiles(join(DEPLOY, 'kubernetes')).flatMap((file) =>
      parseAllDocuments(read(join(DEPLOY, file))).map((d) => ({ file, doc: d.toJS() as Yaml })),
    );
    const byKind = (kind: string): Yaml => {
      const found = docs.filter((d) => d.doc.kind === kind);
      expect(found, kind).toHaveLength(1);
      return (found[0] as { doc: Yaml }).doc;
    };
    const nameOf = (doc: Yaml): string => str(obj(doc.metadata, 'metadata').name, 'metadata.name');

    const deployment = () => byKind('Deployment');
    const podSpec = () => obj(obj(obj(deployment().spec, 'spec').template, 'template').spec, 'template.spec');
    const podLabels = () =>
      obj(obj(obj(obj(deployment().spec, 'spec').template, 'template').metadata, 'meta').labels, 'labels');
    const container = () => {
      const containers = podSpec().containers as Yaml[];
      expect(containers).toHaveLength(1);
      return containers[0] as Yaml;
    };
    const configMapData = () => obj(byKind('ConfigMap').data, 'ConfigMap data') as Record<string, string>;
    const secretData = () => obj(byKind('Secret').stringData, 'Secret stringData') as Record<string, string>;
    const containerEnv = () =>
      Object.fromEntries(
        ((container().env as Yaml[] | undefined) ?? []).map((e) => [String(e.name), String(e.value)]),
      );
    /** What the server process sees: ConfigMap, then Secret (placeholders filled in), then env. */
    const podEnv = (secrets = true) => ({
      ...configMapData(),
      ...Object.fromEntries(
        Object.entries(secretData()).map(([k, v]) => [k, secrets ? (PLACEHOLDERS[k] ?? v) : v]),
      ),
      ...containerEnv(),
    });
    const matches = (selector: Yaml, labels: Yaml) =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);

    it('has one each of Deployment, Service, ConfigMap, Secret and PodDisruptionBudget', () => {
      expect(docs.map((d) => d.doc.kind).sort()).toEqual([
        'ConfigMap',
        'Deployment',
        'PodDisruptionBudget',
        'Secret',
        'Service',
      ]);
    });

    it('sets known settings only, secrets in the Secret and the rest in the ConfigMap, and they validate', () => {
      for (const name of Object.keys(configMapData())) {
        expectKnownVariable(name, 'ConfigMap');
        expect(isSecretName(name), `ConfigMap: ${name} belongs in the Secret`).toBe(false);
      }
      for (const name of Object.keys(secretData())) {
        expectKnownVariable(name, 'Secret');
        expect(isSecretName(name), `Secret: ${name} is not a secret`).toBe(true);
      }
      for (const name of Object.keys(containerEnv())) expectKnownVariable(name, 'Deployment env');
      for (const name of ['REDIS_PASSWORD', 'VITALS_ADMIN_TOKEN', 'VITALS_SECRET_KEY'])
        expect(secretData(), 'Secret').toHaveProperty(name);

      const refs = (container().envFrom as Yaml[]).map((r) => ({
        configMap: (r.configMapRef as Yaml | undefined)?.name,
        secret: (r.secretRef as Yaml | undefined)?.name,
      }));
      expect(refs.map((r) => r.configMap).filter(Boolean)).toEqual([nameOf(byKind('ConfigMap'))]);
      expect(refs.map((r) => r.secret).filter(Boolean)).toEqual([nameOf(byKind('Secret'))]);

      const config = configOf(podEnv(), 'Kubernetes pod');
      expect(config.redis.explicit).toBe(true);
      expect(config.redis.mode).not.toBe('standalone');
      expect(config.storage.hotReads).toBe('none');
      // The example's placeholders are refused, so applying it unedited fails at start-up (exit code 2).
      expect(() => loadConfig(podEnv(false))).toThrow(ConfigError);
    });

    it('runs the server on PORT, probes /livez and /readyz on it, and outlasts the shutdown deadline', () => {
      const config = configOf(podEnv(), 'Kubernetes pod');
      expect(obj(deployment().spec, 'spec').replicas).toBe(3);
      const c = container();
      expect(c.command ?? dockerfileCmd(join(DEPLOY, 'Dockerfile'))).toEqual(SERVER_COMMAND);

      const ports = c.ports as Yaml[];
      expect(ports).toHaveLength(1);
      const port = ports[0] as Yaml;
      expect(port.containerPort, 'containerPort = PORT').toBe(config.server.port);
      const resolvePort = (p: unknown) =>
        typeof p === 'string' ? (p === port.name ? port.containerPort : p) : p;

      const liveness = obj(obj(c.livenessProbe, 'livenessProbe').httpGet, 'livenessProbe.httpGet');
      const readiness = obj(obj(c.readinessProbe, 'readinessProbe').httpGet, 'readinessProbe.httpGet');
      expect(liveness.path).toBe('/livez');
      expect(readiness.path).toBe('/readyz');
      expect(resolvePort(liveness.port), 'liveness port = PORT').toBe(config.server.port);
      expect(resolvePort(readiness.port), 'readiness port = PORT').toBe(config.server.port);

      const service = obj(byKind('Service').spec, 'Service spec');
      expect(
        matches(obj(service.selector, 'Service selector'), podLabels()),
        'Service selects the pods',
      ).toBe(true);
      for (const p of service.ports as Yaml[])
        expect(resolvePort(p.targetPort), 'Service targetPort = PORT').toBe(config.server.port);

      // SIGKILL only after preStop and Vitals' own shutdown deadline.
      const preStop = (obj(c.lifecycle, 'lifecycle').preStop as Yaml | undefined)?.exec as Yaml | undefined;
      const sleepS = preStop ? Number((preStop.command as string[])[1]) : 0;
      expect(Number.isFinite(sleepS)).toBe(true);
      const graceMs = Number(podSpec().terminationGracePeriodSeconds) * 1000;
      expect(graceMs).toBeGreaterThan(config.server.shutdownTimeoutMs + sleepS * 1000);
      expect(graceMs).toBeGreaterThan(DEFAULT_SHUTDOWN_MS);

      const resources = obj(c.resources, 'resources');
      expect(obj(resources.requests, 'requests')).toHaveProperty('memory');
      expect(obj(resources.limits, 'limits')).toHaveProperty('memory');
    });

    it('keeps VITALS_DATA_DIR on a volume big enough for the spool, as the image user', () => {
      const config = configOf(podEnv(), 'Kubernetes pod');
      const mount = ((container().volumeMounts as Yaml[]) ?? []).find(
        (m) => m.mountPath === config.server.dataDir,
      );
      expect(mount, `a volume at ${config.server.dataDir}`).toBeDefined();
      const volume = (podSpec().volumes as Yaml[]).find((v) => v.name === mount?.name) as Yaml;
      expect(volume.emptyDir ?? volume.persistentVolumeClaim, 'emptyDir or PVC').toBeDefined();
      if (volume.emptyDir) {
        const limit = (volume.emptyDir as Yaml).sizeLimit;
        expect(quantityBytes(str(limit, 'sizeLimit')), 'sizeLimit > VITALS_SPOOL_MAX_BYTES').toBeGreaterThan(
          config.storage.spoolMaxBytes,
        );
        expect(config.storage.spoolMaxBytes).toBe(storageVars.VITALS_SPOOL_MAX_BYTES.schema.parse(undefined));
      }
      const uid = /--uid (\d+)/.exec(read(join(DEPLOY, 'Dockerfile')))?.[1];
      const security = obj(podSpec().securityContext, 'securityContext');
      expect(security.runAsNonRoot).toBe(true);
      expect(String(security.runAsUser), 'runAsUser = the image user').toBe(uid);
      expect(String(security.fsGroup), 'fsGroup = the image group').toBe(uid);
    });

    it('has a PodDisruptionBudget selecting the Deployment pods that leaves room for one disruption', () => {
      const deploymentSpec = obj(deployment().spec, 'spec');
      const deploymentSelector = obj(obj(deploymentSpec.selector, 'selector').matchLabels, 'matchLabels');
      expect(matches(deploymentSelector, podLabels()), 'Deployment selector matches its pods').toBe(true);
      const pdb = obj(byKind('PodDisruptionBudget').spec, 'PDB spec');
      const selector = obj(obj(pdb.selector, 'PDB selector').matchLabels, 'PDB matchLabels');
      expect(selector, 'PDB selector = Deployment selector').toEqual(deploymentSelector);
      expect(matches(selector, podLabels())).toBe(true);
      const replicas = Number(deploymentSpec.replicas);
      if (pdb.minAvailable !== undefined) {
        expect(pdb.minAvailable).toBe(2);
        expect(Number(pdb.minAvailable)).toBeLessThan(replicas);
      } else expect(pdb.maxUnavailable).toBe(1);
    });
  });
});

describe('health routes the probes use', () => {
  it('/livez and /readyz exist: 200 while serving, /readyz 503 once shutdown began', async () => {
    const app = Fastify();
    let ready = true;
    healthRoutes(app, {
      health: new HealthRegistry({ serviceId: 'test', releaseId: 'test' }),
      isReady: () => ready,
    });
    try {
      expect((await app.inject({ url: '/livez' })).statusCode).toBe(200);
      expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
      ready = false;
      expect((await app.inject({ url: '/readyz' })).statusCode).toBe(503);
      expect((await app.inject({ url: '/livez' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('systemd units in docs/', () => {
  /** The file an ExecStart runs under /opt/vitals, checked in dist/ or, unbuilt, its source in src/. */
  function entryExists(relativePath: string): boolean {
    if (existsSync(join(ROOT, 'dist')) && existsSync(join(ROOT, relativePath))) return true;
    const source = relativePath.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
    return existsSync(join(ROOT, source));
  }

  function execStart(unit: string): string {
    const line = read(join(ROOT, 'docs', unit))
      .split('\n')
      .find((l) => l.startsWith('ExecStart='));
    return str(line, `${unit}: ExecStart`).slice('ExecStart='.length);
  }

  it('vitals-server.service runs dist/cli/vitals.js server and outlasts the shutdown deadline', () => {
    const exec = execStart('vitals-server.service');
    expect(exec).toMatch(/ \/opt\/vitals\/dist\/cli\/vitals\.js server$/);
    expect(entryExists('dist/cli/vitals.js')).toBe(true);
    const unit = read(join(ROOT, 'docs/vitals-server.service'));
    const stop = /^TimeoutStopSec=(\S+)$/m.exec(unit)?.[1] ?? '';
    expect(composeDurationMs(stop)).toBeGreaterThan(DEFAULT_SHUTDOWN_MS);
    for (const m of unit.matchAll(/^Environment=([A-Z0-9_]+)=/gm))
      expectKnownVariable(m[1] as string, 'vitals-server.service');
  });

  it("vitals-agent.service runs the agent's entry, which exists", () => {
    const exec = execStart('vitals-agent.service');
    const entry = /\/opt\/vitals\/(\S+\.js)$/.exec(exec)?.[1];
    expect(entry).toBe('dist/agent/main.js');
    expect(entryExists(entry as string)).toBe(true);
  });

  it('docs/operations.md points at the units, the compose files and the Kubernetes manifests', () => {
    const ops = read(join(ROOT, 'docs/operations.md'));
    for (const ref of [
      'vitals-server.service',
      'vitals-agent.service',
      'deploy/docker-compose.cluster.yml',
      'deploy/docker-compose.sentinel.yml',
      'deploy/kubernetes/',
      'deploy/Dockerfile',
    ])
      expect(ops.includes(ref), `docs/operations.md mentions ${ref}`).toBe(true);
  });
});
