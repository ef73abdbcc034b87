// One pino logger per component name. JSON lines by default; pretty when stdout is a TTY.
// TIERED_LOG_LEVEL sets the level (tests run with "silent").
import pino, { type Logger } from 'pino';

let root: Logger | undefined;

function rootLogger(): Logger {
  if (root) return root;
  const level = process.env.TIERED_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info';
  const pretty = process.stdout.isTTY && process.env.TIERED_LOG_FORMAT !== 'json';
  root = pretty
    ? pino({ level, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } })
    : pino({ level, base: { pid: process.pid } });
  return root;
}

const children = new Map<string, Logger>();

/** The logger of one component (`gateway`, `cache`, `queue`, …). */
export function createLogger(component: string): Logger {
  let logger = children.get(component);
  if (!logger) {
    logger = rootLogger().child({ component });
    children.set(component, logger);
  }
  return logger;
}

/** Replace the root logger (the CLI does this for --log-level, tests for capture). */
export function setRootLogger(logger: Logger): void {
  root = logger;
  children.clear();
}

export type { Logger };
