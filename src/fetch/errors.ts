/** Fetch failures with stable codes; `retryable` marks network-level trouble worth another try. */
export type FetchErrorCode =
  | 'bad_url'            // not an http(s) URL
  | 'blocked_address'    // resolves to loopback/private/link-local (refused by default)
  | 'dns'                // the host name does not resolve
  | 'robots_disallowed'  // robots.txt forbids the path for our user agent
  | 'timeout'            // connect, headers or body took too long
  | 'network'            // connection refused/reset, socket errors
  | 'too_large'          // Content-Length or streamed body over the size limit
  | 'too_many_redirects'
  | 'http_error'         // a non-2xx final status (see httpStatus)
  | 'listing_page'       // a column's listing of reports, not one report (ingest it with --discover)
  | 'off_site'           // a redirect or attachment leads off the site the source must stay on (a column's)
  | 'empty_body';

export class FetchError extends Error {
  constructor(
    public readonly code: FetchErrorCode,
    message: string,
    public readonly retryable = false,
    public readonly httpStatus: number | null = null,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

export function isFetchError(e: unknown): e is FetchError {
  return e instanceof FetchError;
}

/** HTTP statuses worth retrying: server trouble and throttling. */
export function retryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}
