// Public API of tiered/queue: typed jobs, producers, workers, cron, map-reduce, the offline
// HTTP pattern and the queue view.
export { defineJob, isJobDefinition, backoffDelay, type JobDefinition, type JobOptions, type JobContext, type PayloadOf } from './job/define.js';
export { jobIdForKey, jobRef, parseJobRef, jobLocation } from './job/refs.js';
export { publicStatus, type JobStatus, type JobView } from './job/status.js';
export { Producer, type ProducerOptions, type EnqueueOptions, type Enqueued } from './producer.js';
export { WorkerGroup, type WorkerGroupOptions, type CloseReport } from './worker/group.js';
export { assessRedisSettings, checkRedis, type RedisSettings, type RedisAssessment } from './redis/check.js';
export { producerConnection, workerConnection } from './redis/connection.js';
export { queueConfigSchema, type QueueConfig, type WorkerConfig, type Retention } from './config.js';
export {
  QueueError, RedisUnavailableError, InvalidPayloadError, RedisPolicyError, JobDefinitionError, JobTimeoutError, ScheduleError, UnrecoverableError,
} from './errors.js';
