/** A one-line progress bar on a TTY; plain periodic lines otherwise (logs, CI). */
export class Progress {
  private last = 0;
  private readonly tty: boolean;
  private readonly t0 = Date.now();
  constructor(private readonly label: string, private readonly out: NodeJS.WriteStream = process.stderr, private readonly everyMs = 5000) {
    this.tty = !!out.isTTY;
  }

  update(done: number, total: number, extra = ''): void {
    const now = Date.now();
    if (!this.tty && now - this.last < this.everyMs && done < total) return;
    this.last = now;
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const secs = (now - this.t0) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 && done < total ? ` eta ${Math.ceil((total - done) / rate)}s` : '';
    const text = `${this.label} ${done}/${total} (${(frac * 100).toFixed(0)}%) ${rate.toFixed(1)}/s${eta}${extra ? ' ' + extra : ''}`;
    if (this.tty) {
      const width = 24;
      const fill = Math.round(frac * width);
      this.out.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${text}\x1b[K`);
    } else this.out.write(text + '\n');
  }

  done(): void {
    if (this.tty) this.out.write('\n');
  }
}
