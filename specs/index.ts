/**
 * The spec catalogue: every spec `interleave list` shows and `interleave check NAME` finds.
 */
import type { Spec } from "../src/index.js";
import { twoPhaseCommit } from "./two-phase-commit.js";
import { lamportClock } from "./lamport-clock.js";
import { vectorClock } from "./vector-clock.js";
import { causalBroadcast } from "./causal-broadcast.js";
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
import { raftElection } from "./raft-election.js";

/** All catalogue specs, in listing order. */
export const catalogue: readonly Spec<any>[] = [twoPhaseCommit, lamportClock, vectorClock, causalBroadcast, fifoDelivery, reliableDelivery, uniqueIds, paxos, failureDetector, lease, abdRegister, raft, gCounter, consistentHashing, circuitBreaker, rateLimiter, supervisor, loadBalancer, orSet, primaryBackup, bullyElection, autoscaler, retryBackoff, bulkhead, raftElection];

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
  raftElection,
};
