import { type Cluster, startCluster } from './cluster';
import { SocketClients } from './socket-clients';

/** Two instances for one test file; all but `clients` set once its beforeAll has run. */
export interface TwoInstances {
  cluster: Cluster;
  /** instance 0's base URL */
  A: string;
  /** instance 1's base URL */
  B: string;
  /** the file's sockets, on A unless told otherwise; closed before the cluster stops */
  clients: SocketClients;
}

/**
 * Starts two instances in beforeAll, with the env `env()` returns then (it may use what an
 * earlier beforeAll started), and stops them in afterAll, once `clients` are closed. Register
 * the teardown of what they depend on in a later afterAll: it runs after this one.
 */
export function twoInstances(env: () => Record<string, string | undefined>): TwoInstances {
  const two = { clients: new SocketClients(() => two.A) } as TwoInstances;
  beforeAll(async () => {
    two.cluster = await startCluster(2, env());
    two.A = two.cluster.instances[0]!.url;
    two.B = two.cluster.instances[1]!.url;
  }, 60_000);
  afterAll(async () => {
    two.clients.closeAll();
    await two.cluster?.stop();
  });
  return two;
}
