/** A one-line progress bar on stderr, only when stderr is a terminal (never in logs or CI). */
export class Progress {
  private done = 0;
  private last = 0;
  private readonly start = Date.now();
  private readonly enabled: boolean;

  constructor(private readonly total: number, private readonly label: string, force?: boolean) {
    this.enabled = force ?? (!!process.stderr.isTTY && total > 1);
  }

  tick(note = ''): void {
    this.done++;
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100 && this.done < this.total) return;
    this.last = now;
    const width = 30;
    const frac = this.total ? this.done / this.total : 1;
    const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
    const rate = this.done / Math.max(0.001, (now - this.start) / 1000);
    const line = `${this.label} ${bar} ${this.done}/${this.total} ${rate.toFixed(1)}/s ${note}`.slice(0, (process.stderr.columns || 100) - 1);
    process.stderr.write(`\r\x1b[K${line}`);
  }

  finish(): void {
    if (this.enabled) process.stderr.write('\n');
  }
}
