// Each request's logger: the app logger with the request id bound (`reqId`), as Fastify's default makes
// it, except that the pino child is made on the request's first log call. Most requests write no line
// at all (request lines appear at debug level only; errors are rare), and a child per request, with its
// bindings serialised to JSON, was a measurable part of a heartbeat's cost (BENCHMARKS.md, section 6).
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilent, LogFn } from 'pino';

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below declares the logger methods the constructor's prototype gets (installed for every level at once), not fields.
class RequestLogger {
  #logger: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  /** The pino child, made the first time something is logged (or the level is changed). */
  logger(): FastifyBaseLogger {
    return (this.#logger ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.#logger?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger().level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }
}

// The log methods, on the prototype: one small object per request and no closures.
interface RequestLogger extends Record<LevelWithSilent, LogFn> {}
const LOG_METHODS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
for (const level of LOG_METHODS) {
  RequestLogger.prototype[level] = function (this: RequestLogger, ...args: unknown[]) {
    (this.logger()[level] as (...args: unknown[]) => void)(...args);
  } as LogFn;
}

/** Fastify's `childLoggerFactory`: the request's logger, with the same bindings and options as Fastify's own. */
export function lazyRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new RequestLogger(logger, bindings, options);
}
