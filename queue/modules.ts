// How `tiered worker` and `tiered cron` find the application's jobs: job modules, given with
// `--module <path>` (repeatable) or listed under `queue.jobs` in tiered.yaml. A job module is
// any ES module (TypeScript works: the CLI runs under tsx) whose exports include values made by
// defineJob() or defineSchedule(), directly or in arrays; other exports are ignored.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isScheduleDefinition, type ScheduleDefinition } from './cron/define.js';
import { JobDefinitionError } from './errors.js';
import { isJobDefinition, type JobDefinition } from './job/define.js';

export interface JobModules {
  jobs: Map<string, JobDefinition>;
  schedules: Map<string, ScheduleDefinition>;
}

/** Collects definitions from module namespaces; the same name from two places is an error. */
export function collectDefinitions(namespaces: { source: string; exports: Record<string, unknown> }[]): JobModules {
  const found: JobModules = { jobs: new Map(), schedules: new Map() };
  for (const { source, exports } of namespaces) {
    // Definitions may be exported directly, in arrays, or as `jobs` of a bundle (defineMapReduce()).
    const bundled = (v: unknown): unknown[] => (v && typeof v === 'object' && Array.isArray((v as { jobs?: unknown }).jobs) ? (v as { jobs: unknown[] }).jobs : [v]);
    for (const value of Object.values(exports).flatMap((v) => (Array.isArray(v) ? v : bundled(v)))) {
      if (isJobDefinition(value)) {
        const known = found.jobs.get(value.name);
        if (known && known !== value) throw new JobDefinitionError(`job "${value.name}" is defined twice (again in ${source})`);
        found.jobs.set(value.name, value);
      } else if (isScheduleDefinition(value)) {
        const known = found.schedules.get(value.name);
        if (known && known !== value) throw new JobDefinitionError(`schedule "${value.name}" is defined twice (again in ${source})`);
        found.schedules.set(value.name, value);
        if (value.job && !found.jobs.has(value.job.name)) found.jobs.set(value.job.name, value.job);
      }
    }
  }
  return found;
}

export async function loadJobModules(paths: string[], cwd = process.cwd()): Promise<JobModules> {
  const namespaces = [];
  for (const path of paths) {
    const url = pathToFileURL(resolve(cwd, path)).href;
    let exports: Record<string, unknown>;
    try {
      exports = (await import(url)) as Record<string, unknown>;
    } catch (error) {
      throw new JobDefinitionError(`cannot load job module ${path}: ${(error as Error)?.message ?? String(error)}`);
    }
    namespaces.push({ source: path, exports });
  }
  return collectDefinitions(namespaces);
}

/** Picks the named jobs; every name must be defined. */
export function selectJobs(modules: JobModules, names: string[]): JobDefinition[] {
  const unknown = names.filter((n) => !modules.jobs.has(n));
  if (unknown.length) {
    const known = [...modules.jobs.keys()].sort().join(', ') || 'none';
    throw new JobDefinitionError(`unknown job(s) ${unknown.join(', ')} (defined: ${known})`);
  }
  return names.map((n) => modules.jobs.get(n)!);
}
