// Reports a background fault once per outage: a Redis that is down for a minute fails every retry of
// a loop, and the log should say so once, then again only after the loop worked in between.
import type { ErrorReporter } from './link.ts';

export class OutageReporter {
  private down = false;

  constructor(
    private readonly report: ErrorReporter,
    private readonly context: string,
  ) {}

  failed(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.report(error, this.context);
  }

  worked(): void {
    this.down = false;
  }
}
