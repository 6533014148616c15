import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { freePort, waitFor } from './free-port';
import { RedisServer } from './redis-server';

const run = promisify(execFile);

async function clusterState(port: number): Promise<string> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = await client.cluster('INFO');
    return /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    client.disconnect();
  }
}

/**
 * A private 3-master Redis Cluster (no replicas) on spare ports, each node with its
 * own directory and cluster config file; `stop()` kills every node and removes them.
 */
export class OwnRedisCluster {
  private constructor(readonly nodes: RedisServer[]) {}

  static async start(): Promise<OwnRedisCluster> {
    const nodes: RedisServer[] = [];
    try {
      for (let i = 0; i < 3; i += 1) {
        const node = new RedisServer(await freePort(), [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '1000',
        ]);
        nodes.push(node);
        await node.boot();
      }
      await run(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...nodes.map((node) => `127.0.0.1:${node.port}`),
          '--cluster-replicas',
          '0',
          '--cluster-yes',
        ],
        { timeout: 30_000 },
      );
      const cluster = new OwnRedisCluster(nodes);
      await cluster.waitUntilOk(nodes);
      return cluster;
    } catch (error) {
      await Promise.all(nodes.map((node) => node.close()));
      throw error;
    }
  }

  /** `host:port,...` as REDIS_CLUSTER_NODES takes it. */
  get seedList(): string {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  /** The node that serves `key`'s slot. */
  async nodeFor(key: string): Promise<RedisServer> {
    const probe = new Redis({ port: this.nodes[0].port, host: '127.0.0.1' });
    try {
      const slot = await probe.cluster('KEYSLOT', key);
      const shards = await probe.cluster('SLOTS');
      const owner = shards.find(([from, to]) => slot >= from && slot <= to);
      const node = this.nodes.find((n) => n.port === owner?.[2][1]);
      if (!node) {
        throw new Error(`no node serves slot ${slot}`);
      }
      return node;
    } finally {
      probe.disconnect();
    }
  }

  async waitUntilOk(nodes = this.nodes): Promise<void> {
    await waitFor(
      async () => {
        const states = await Promise.all(
          nodes.map((n) => clusterState(n.port)),
        );
        return states.every((state) => state === 'ok');
      },
      20_000,
      'every cluster node to report cluster_state:ok',
      { intervalMs: 100, retryOnError: true },
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.close()));
  }
}
