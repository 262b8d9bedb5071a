/**
 * A PostgreSQL cluster and an sshd started side by side, as most integration
 * suites want them; when one fails to start, the other is stopped before the
 * error is thrown, so a suite's after() has nothing half-started to mind.
 */
import { startTestCluster } from './pg-cluster';
import type { TestCluster, TestClusterOptions } from './pg-cluster';
import { startTestSshd } from './sshd';
import type { TestSshd } from './sshd';

export async function startClusterWithSshd(clusterOptions: TestClusterOptions = {}): Promise<{ cluster: TestCluster; sshd: TestSshd }> {
  const [cluster, sshd] = await Promise.allSettled([startTestCluster(clusterOptions), startTestSshd()]);
  if (cluster.status === 'fulfilled' && sshd.status === 'fulfilled') return { cluster: cluster.value, sshd: sshd.value };
  await Promise.allSettled([cluster.status === 'fulfilled' ? cluster.value.stop() : null, sshd.status === 'fulfilled' ? sshd.value.stop() : null]);
  throw (cluster.status === 'rejected' ? cluster.reason : (sshd as PromiseRejectedResult).reason) as Error;
}
