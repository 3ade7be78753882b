/**
 * The spec catalogue: every spec `interleave list` shows and `interleave check NAME` finds.
 */
import type { AnySpec } from "../src/index.js";
import { twoPhaseCommit } from "./two-phase-commit.js";
import { lamportClock } from "./lamport-clock.js";
import { vectorClock } from "./vector-clock.js";
import { causalBroadcast } from "./causal-broadcast.js";
import { broadcast } from "./broadcast.js";
import { fifoDelivery } from "./fifo-delivery.js";
import { reliableDelivery } from "./reliable-delivery.js";
import { uniqueIds } from "./unique-ids.js";
import { paxos } from "./paxos.js";
import { failureDetector } from "./failure-detector.js";
import { lease } from "./lease.js";
import { abdRegister } from "./abd-register.js";
import { raft } from "./raft.js";
import { gCounter } from "./g-counter.js";
import { consistentHashing } from "./consistent-hashing.js";
import { circuitBreaker } from "./circuit-breaker.js";
import { rateLimiter } from "./rate-limiter.js";
import { supervisor } from "./supervisor.js";
import { loadBalancer } from "./load-balancer.js";
import { orSet } from "./or-set.js";
import { primaryBackup } from "./primary-backup.js";
import { bullyElection } from "./bully-election.js";
import { autoscaler } from "./autoscaler.js";
import { retryBackoff } from "./retry-backoff.js";
import { bulkhead } from "./bulkhead.js";
import { rangePartitioning } from "./range-partitioning.js";
import { hashPartitioning } from "./hash-partitioning.js";
import { sequencer } from "./sequencer.js";
import { snapshotRecovery } from "./snapshot-recovery.js";
import { gossipMembership } from "./gossip-membership.js";
import { quorumReplication } from "./quorum-replication.js";
import { multiLeader } from "./multi-leader.js";
import { capRegister } from "./cap-register.js";
import { pnCounter } from "./pn-counter.js";
import { cqrs } from "./cqrs.js";
import { reconciliationLoop } from "./reconciliation-loop.js";
import { checksummedChannel } from "./checksummed-channel.js";
import { authenticatedMessages } from "./authenticated-messages.js";
import { slidingWindowTransport } from "./sliding-window-transport.js";
import { retryStorm } from "./retry-storm.js";
import { fairShare } from "./fair-share.js";
import { serviceRegistry } from "./service-registry.js";
import { loadShedding } from "./load-shedding.js";
import { deadline } from "./deadline.js";
import { raftElection } from "./raft-election.js";

/** All catalogue specs, in listing order. */
export const catalogue: readonly AnySpec[] = [
  twoPhaseCommit,
  lamportClock,
  vectorClock,
  causalBroadcast,
  broadcast,
  fifoDelivery,
  reliableDelivery,
  uniqueIds,
  paxos,
  failureDetector,
  lease,
  abdRegister,
  raft,
  gCounter,
  consistentHashing,
  circuitBreaker,
  rateLimiter,
  supervisor,
  loadBalancer,
  orSet,
  primaryBackup,
  bullyElection,
  autoscaler,
  retryBackoff,
  bulkhead,
  rangePartitioning,
  hashPartitioning,
  sequencer,
  snapshotRecovery,
  gossipMembership,
  quorumReplication,
  multiLeader,
  capRegister,
  pnCounter,
  cqrs,
  reconciliationLoop,
  checksummedChannel,
  authenticatedMessages,
  slidingWindowTransport,
  retryStorm,
  fairShare,
  serviceRegistry,
  loadShedding,
  deadline,
  raftElection,
];

export {
  twoPhaseCommit,
  lamportClock,
  vectorClock,
  causalBroadcast,
  fifoDelivery,
  reliableDelivery,
  uniqueIds,
  paxos,
  failureDetector,
  lease,
  abdRegister,
  raft,
  gCounter,
  consistentHashing,
  circuitBreaker,
  rateLimiter,
  supervisor,
  loadBalancer,
  orSet,
  primaryBackup,
  bullyElection,
  autoscaler,
  retryBackoff,
  bulkhead,
  rangePartitioning,
  hashPartitioning,
  sequencer,
  snapshotRecovery,
  gossipMembership,
  quorumReplication,
  multiLeader,
  capRegister,
  pnCounter,
  cqrs,
  reconciliationLoop,
  checksummedChannel,
  authenticatedMessages,
  slidingWindowTransport,
  retryStorm,
  fairShare,
  serviceRegistry,
  loadShedding,
  deadline,
  raftElection,
};
