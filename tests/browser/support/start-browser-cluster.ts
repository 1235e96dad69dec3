import { type Cluster, startCluster } from '../../support/cluster';
import { TEST_ADMIN_TOKEN } from '../../support/test-env';

export interface BrowserCluster {
  cluster: Cluster;
  /** base URLs of the instances, in start order */
  urls: string[];
  adminToken: string;
  stop(): Promise<void>;
}

/**
 * Real server processes (the built server) sharing one fresh database and one Redis, for a
 * browser to open pages on. Extra env goes to every instance (e.g. a faster heartbeat). Start
 * it apart from the browser (not in one Promise.all), so afterAll can stop whichever started.
 */
export async function startBrowserCluster(
  n = 2,
  env: Record<string, string | undefined> = {},
): Promise<BrowserCluster> {
  const cluster = await startCluster(n, env);
  return {
    cluster,
    urls: cluster.instances.map((i) => i.url),
    adminToken: TEST_ADMIN_TOKEN,
    stop: () => cluster.stop(),
  };
}
