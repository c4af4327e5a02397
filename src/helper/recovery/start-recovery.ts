// The daemon's recovery: `mountstatus unmount` and `mountstatus disconnect` requests and the `recover`
// policy, wired to the monitor, the settings in force (SIGHUP rereads admin-group, recover and
// disconnect-own-home) and the log.
import type { Request } from '../../common/protocol-schemas.js';
import type { NfsDisconnectResult, UnmountResult } from '../../common/recovery.js';
import type { Settings } from '../../node/config/settings.js';
import type { Monitor } from '../../node/monitor/monitor.js';
import type { Log } from '../log/log.js';
import type { PeerCredentials } from '../ipc/peer.js';
import { foreignNamespaceReason } from '../mount-namespace.js';
import { parseRecoverRule, RecoverPolicy } from './recover-policy.js';
import { UnmountService } from './unmount-service.js';
import { DisconnectService } from './disconnect-service.js';
import { WhoMayUnmount } from './who-may-unmount.js';
import { UserDb } from '../homes/user-db.js';

/**
 * Whose mount namespace is the host's: PID 1's, unless MSM_HOST_NAMESPACE_PID names another process. Only
 * for tests, which run the helper in a private namespace of their own (test/support/namespace.ts).
 */
function referencePid(): number {
  const pid = Number(process.env.MSM_HOST_NAMESPACE_PID);
  return Number.isInteger(pid) && pid > 0 ? pid : 1;
}

export interface Recovery {
  unmount(request: Extract<Request, { type: 'unmount' }>, peer: PeerCredentials): Promise<UnmountResult>;
  disconnect(request: Extract<Request, { type: 'disconnect' }>, peer: PeerCredentials): Promise<NfsDisconnectResult>;
  /** Takes admin-group and recover from the settings in force again. */
  reconfigure(): void;
  stop(): void;
}

export function startRecovery(monitor: Monitor, settings: () => Settings, log: Log): Recovery {
  let whoMay = new WhoMayUnmount({ adminGroup: settings().adminGroup });
  const rules = () => settings().recover.map(parseRecoverRule); // validated when the config was read
  const service = new UnmountService({
    monitor,
    whoMay: { check: (peer) => whoMay.check(peer) },
    namespaceProblem: async () => foreignNamespaceReason(referencePid()),
    timeoutMs: () => settings().timeoutSeconds * 1000,
    log,
  });
  const users = new UserDb();
  const disconnecting = new DisconnectService({
    monitor,
    whoMay: { check: (peer) => whoMay.check(peer) },
    ownHomeAllowed: () => settings().disconnectOwnHome === true,
    homeOf: async (uid) => (await users.lookup(uid))?.home,
    namespaceProblem: async () => foreignNamespaceReason(referencePid()),
    timeoutMs: () => settings().timeoutSeconds * 1000,
    unmount: service,
    log,
  });
  const policy = new RecoverPolicy({
    rules: rules(),
    monitor,
    act: (mount, rule, notRespondingSeconds) =>
      rule.mode === 'shutdown'
        ? disconnecting.disconnect({ mountpoint: mount.mountpoint }, { policy: { notRespondingSeconds } })
        : service.unmount({ mountpoint: mount.mountpoint, mode: rule.mode }, { policy: { notRespondingSeconds } }),
    log,
  });
  void policy.start();
  return {
    unmount: (request, peer) =>
      service.unmount(
        {
          mountpoint: request.mountpoint,
          mode: request.mode,
          ...(request.evenIfHealthy !== undefined ? { evenIfHealthy: request.evenIfHealthy } : {}),
          ...(request.dryRun !== undefined ? { dryRun: request.dryRun } : {}),
        },
        { peer },
      ),
    disconnect: (request, peer) =>
      disconnecting.disconnect(
        {
          mountpoint: request.mountpoint,
          ...(request.thenUnmount !== undefined ? { thenUnmount: request.thenUnmount } : {}),
          ...(request.evenIfHealthy !== undefined ? { evenIfHealthy: request.evenIfHealthy } : {}),
          ...(request.dryRun !== undefined ? { dryRun: request.dryRun } : {}),
        },
        { peer },
      ),
    reconfigure() {
      whoMay = new WhoMayUnmount({ adminGroup: settings().adminGroup });
      policy.setRules(rules());
    },
    stop: () => policy.stop(),
  };
}
