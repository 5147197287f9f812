/**
 * robots.txt: fetched once per origin and cached. 4xx (no robots.txt) allows everything; an
 * unreachable or 5xx robots.txt also allows (government sites often fail there) — recorded in `note`.
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const robotsParser = require('robots-parser') as (url: string, body: string) => {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
};

export interface RobotsRules {
  allowed(url: string): boolean;
  /** Crawl-delay in seconds, if given. */
  crawlDelay: number | null;
  note: string;
}

export type RobotsLoader = (robotsUrl: string) => Promise<{ status: number; body: string }>;

export class RobotsCache {
  private readonly cache = new Map<string, { at: number; rules: Promise<RobotsRules> }>();
  constructor(private readonly userAgent: string, private readonly ttlMs = 3600_000, private readonly max = 5000) {}

  get(origin: string, load: RobotsLoader): Promise<RobotsRules> {
    const hit = this.cache.get(origin);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.rules;
    if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value as string);
    const robotsUrl = origin + '/robots.txt';
    const rules = load(robotsUrl).then(
      ({ status, body }) => {
        if (status >= 200 && status < 300) {
          const p = robotsParser(robotsUrl, body);
          const ua = this.userAgent;
          const d = p.getCrawlDelay(ua);
          return { allowed: (u: string) => p.isAllowed(u, ua) !== false, crawlDelay: d == null ? null : Number(d), note: 'robots.txt' };
        }
        return { allowed: () => true, crawlDelay: null, note: `robots.txt status ${status}: allow all` };
      },
      (e) => ({ allowed: () => true, crawlDelay: null, note: `robots.txt unreachable (${(e as Error).message}): allow all` }),
    );
    this.cache.set(origin, { at: Date.now(), rules });
    return rules;
  }
}
