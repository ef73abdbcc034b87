// Public API of tiered/queue: typed jobs, producers, workers, cron, map-reduce, the offline
// HTTP pattern and the queue view.
export { defineJob, isJobDefinition, backoffDelay, type JobDefinition, type JobOptions, type JobContext, type PayloadOf } from './job/define.js';
export { jobIdForKey, jobRef, parseJobRef, jobLocation } from './job/refs.js';
export { publicStatus, type JobStatus, type JobView } from './job/status.js';
export { Producer, type ProducerOptions, type EnqueueOptions, type Enqueued } from './producer.js';
export { WorkerGroup, type WorkerGroupOptions, type CloseReport } from './worker/group.js';
export { defineSchedule, isScheduleDefinition, type ScheduleDefinition, type ScheduleOptions, type ConcurrencyPolicy, type Tick } from './cron/define.js';
export { Scheduler, type SchedulerOptions } from './cron/scheduler.js';
export { RedisRunCoordinator, type RedisRunCoordinatorOptions } from './cron/coordinator.js';
export { decideTick, tickJobKey, type TickDecision } from './cron/policy.js';
export { readSchedules, type ScheduleRecord } from './cron/state.js';
export { loadJobModules, collectDefinitions, selectJobs, type JobModules } from './modules.js';
export { assessRedisSettings, checkRedis, type RedisSettings, type RedisAssessment } from './redis/check.js';
export { producerConnection, workerConnection } from './redis/connection.js';
export { queueConfigSchema, type QueueConfig, type WorkerConfig, type Retention } from './config.js';
export {
  QueueError, RedisUnavailableError, InvalidPayloadError, RedisPolicyError, JobDefinitionError, JobTimeoutError, ScheduleError,
} from './errors.js';
/** BullMQ's own: thrown by a handler, it skips the remaining attempts (straight to the dead letters). */
export { UnrecoverableError } from 'bullmq';
export { defineMapReduce, mapReduce, closeMapReduce, type MapReduce, type MapReduceOptions } from './mapreduce.js';
export { sendAccepted, offload, jobStatusHandler, type OfflineOptions } from './http/offline.js';
export { queueViewHandler, type QueueViewOptions } from './http/view.js';
export { renderQueueView, type QueueViewModel } from './http/view-html.js';
export { discoverQueues, queueStats, listFailed, retryFailed, retryAllFailed, purgeFinished, type QueueStats } from './admin.js';
export { registerQueueDepthMetric } from './depth-metric.js';
