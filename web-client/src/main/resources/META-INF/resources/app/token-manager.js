/**
 * Portcullis' browser token manager: a dependency-free ES module (import it as it is, no build step).
 *
 * - The access token lives in this object's private fields only: never localStorage or sessionStorage, where any
 *   script of the origin (and every browser extension with access) could read it long after the page closed. The
 *   refresh token is the auth service's HttpOnly, SameSite=Strict cookie on path /auth: script never sees it.
 * - A refresh is scheduled ahead of the token's expiry (a lead, minus a random jitter so that many tabs and users do
 *   not refresh at the same instant), through the cookie and the CSRF header the cookie flow requires.
 * - A request answered 401 with an "expired" token error is sent again ONCE after a refresh. Concurrent requests
 *   share one in-flight refresh: a refresh token is spent once, never twice (a second spend of the same token would be
 *   reuse, which ends the whole session). The refresh endpoint's 409 (a concurrent refresh, e.g. another tab, just
 *   spent the cookie) is answered by trying again with the cookie the winner left.
 * - With a DPoP key store, login and refresh carry a DPoP proof (RFC 9449) and, when the server binds the token
 *   (token_type "DPoP"), every request carries "Authorization: DPoP" and a fresh proof; server nonces are followed.
 * - A step-up challenge (RFC 9470 insufficient_user_authentication) is handed to the app (onStepUp callback and a
 *   "step-up-required" event); a code it returns is verified and the request sent again once.
 *
 * Events (EventTarget): "token" (a new access token: detail.reason login | refresh | step-up), "refresh" (a refresh
 * request goes out: detail.trigger), "session-ended" (detail.reason), "step-up-required" (detail.challenge).
 */

const EXPIRED = /expired/i;

/** A non-2xx answer of the auth service, with its RFC 9457 problem body (when it had one). */
export class ProblemError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.name = 'ProblemError';
    this.status = status;
    this.problem = problem;
  }
}

/** There is no session (anymore): sign in again. */
export class SessionEndedError extends Error {
  constructor(reason) {
    super(`session ended: ${reason}`);
    this.name = 'SessionEndedError';
    this.reason = reason;
  }
}

/**
 * The parameters of the first challenge in a WWW-Authenticate header that has an error (RFC 6750 §3, RFC 9449 §7.1,
 * RFC 9470 §3): {scheme, error, error_description, max_age, acr_values, ...}.
 */
export function parseChallenge(header) {
  if (!header) return {};
  const scheme = header.trim().split(/\s+/, 1)[0];
  const params = { scheme };
  for (const match of header.matchAll(/([A-Za-z_][A-Za-z0-9_-]*)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    const name = match[1].toLowerCase();
    if (!(name in params)) params[name] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3];
  }
  return params;
}

/** The claims of a JWS, decoded for display and scheduling only (the gateway verifies; the client never needs to). */
export function decodeClaims(jws) {
  const part = jws.split('.')[1] ?? '';
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

export class TokenManager extends EventTarget {
  #base;
  #fetch;
  #now;
  #setTimeout;
  #clearTimeout;
  #random;
  #lead;
  #jitter;
  #refreshAhead;
  #checkExpiryLocally;
  #conflictRetries;
  #conflictDelay;
  #csrf;
  #keys;
  #onStepUp;
  #channel = null;

  #token = null;
  #scheme = 'Bearer';
  #expiresAt = 0;
  #claims = null;
  #user = null;
  #timer = null;
  #refreshing = null;
  #steppingUp = null;
  #nonces = { auth: null, api: null };
  #refreshRequests = 0;

  /**
   * @param {object} options
   * @param {string} [options.baseUrl] where the gateway is ('' = this page's origin)
   * @param {number} [options.refreshLeadSeconds=60] refresh this long before expiry (at most half the lifetime)
   * @param {number} [options.refreshJitterSeconds=10] and up to this much earlier, at random (at most a quarter)
   * @param {boolean} [options.refreshAhead=true] false: refresh only when a request finds the token expired
   * @param {boolean} [options.checkExpiryLocally=true] false: send even a token this browser thinks expired, and
   *   learn it from the server's 401 (what happens anyway when the browser's clock or timers are off)
   * @param {{key(): Promise<object>, reset(): Promise<void>}} [options.dpop] a DpopKeyStore: proofs with every request
   * @param {(challenge: object) => Promise<string|null>} [options.onStepUp] asks the user for a TOTP code
   * @param {string|null} [options.channelName] BroadcastChannel that tells this browser's other tabs of a sign-out
   * @param {Function} [options.fetch] [options.now] [options.setTimeout] [options.clearTimeout] [options.random] seams
   */
  constructor(options = {}) {
    super();
    this.#base = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#now = options.now ?? (() => Date.now());
    this.#setTimeout = options.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
    this.#clearTimeout = options.clearTimeout ?? ((id) => globalThis.clearTimeout(id));
    this.#random = options.random ?? Math.random;
    this.#lead = (options.refreshLeadSeconds ?? 60) * 1000;
    this.#jitter = (options.refreshJitterSeconds ?? 10) * 1000;
    this.#refreshAhead = options.refreshAhead ?? true;
    this.#checkExpiryLocally = options.checkExpiryLocally ?? true;
    this.#conflictRetries = options.conflictRetries ?? 2;
    this.#conflictDelay = options.conflictDelayMillis ?? 300;
    // any value: the header itself is the CSRF defence (a cross-site form cannot send it, cross-site script needs a
    // CORS preflight the auth service never grants)
    this.#csrf = options.csrfHeaderValue ?? 'portcullis-token-manager';
    this.#keys = options.dpop ?? null;
    this.#onStepUp = options.onStepUp ?? null;
    const channelName = options.channelName === undefined ? 'portcullis-session' : options.channelName;
    if (channelName && typeof BroadcastChannel === 'function') {
      this.#channel = new BroadcastChannel(channelName);
      this.#channel.onmessage = (event) => {
        if (event.data?.type === 'signed-out' && this.#token) this.#end('signed-out-in-another-tab', false);
      };
    }
  }

  get signedIn() {
    return this.#token !== null;
  }

  /** "Bearer" or "DPoP": what the server made of the last token (DPoP = bound to this page's key). */
  get tokenType() {
    return this.#token ? this.#scheme : null;
  }

  /** Epoch milliseconds (by this browser's clock) when the access token expires; 0 without one. */
  get expiresAt() {
    return this.#token ? this.#expiresAt : 0;
  }

  /** The access token's claims (decoded, not verified: for display). */
  get claims() {
    return this.#claims ? structuredClone(this.#claims) : null;
  }

  get user() {
    return this.#user ? { ...this.#user } : null;
  }

  /** How many refresh requests this manager sent (each spends one refresh token). */
  get refreshRequests() {
    return this.#refreshRequests;
  }

  /** POST /auth/login; the refresh token arrives as the HttpOnly cookie. */
  async login(username, password) {
    const sentAt = this.#now();
    const response = await this.#authRequest('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (!response.ok) throw await problemOf(response);
    await this.#accept(await response.json(), sentAt, 'login');
    return this.user;
  }

  /** After a reload: a new access token from the refresh cookie, if the session still lives. */
  async resume() {
    try {
      await this.refresh('resume');
      return true;
    } catch (error) {
      if (error instanceof SessionEndedError) return false;
      throw error;
    }
  }

  /** A new access token now; concurrent callers share one request. */
  refresh(trigger = 'manual') {
    if (!this.#refreshing) {
      this.#refreshing = this.#doRefresh(trigger).finally(() => {
        this.#refreshing = null;
      });
    }
    return this.#refreshing;
  }

  /**
   * fetch() with the access token (and a DPoP proof for bound tokens). A 401 for an expired token is answered by one
   * refresh and one more attempt; a step-up challenge by the onStepUp callback and one more attempt. The request's
   * body must be re-readable (a string, FormData, Blob...), as it may be sent twice.
   */
  async fetch(input, init = {}) {
    if (!this.#token) throw new SessionEndedError('not-signed-in');
    if (this.#checkExpiryLocally && this.#now() >= this.#expiresAt - 1000) {
      await this.refresh('expired-locally'); // the tab slept through its refresh timer
    }
    const url = this.#resolve(input);
    const used = this.#token;
    let response = await this.#send(url, init);
    if (response.status !== 401) return response;
    const challenge = parseChallenge(response.headers.get('WWW-Authenticate'));
    if (challenge.error === 'invalid_token' && EXPIRED.test(challenge.error_description ?? '')) {
      // Another request may already have refreshed while this one was on the wire: then its new token is used as it
      // is, and no second refresh spends the (already rotated) cookie again.
      if (this.#token === used) await this.refresh('expired');
      return this.#send(url, init);
    }
    if (challenge.error === 'insufficient_user_authentication') {
      this.dispatchEvent(new CustomEvent('step-up-required', { detail: { challenge, url } }));
      if (await this.#stepUpOnce(challenge)) return this.#send(url, init);
      return response;
    }
    if (challenge.error === 'invalid_token') {
      // revoked (logout, sign out everywhere), or otherwise refused: this session is over
      this.#end('token-refused', false);
    }
    return response;
  }

  /** POST /auth/mfa/enroll: the TOTP secret and its otpauth:// URI (shown once). */
  async enrollMfa(currentCode = null) {
    const response = await this.fetch('/auth/mfa/enroll', currentCode ? jsonBody({ code: currentCode }) : { method: 'POST' });
    if (!response.ok) throw await problemOf(response);
    return response.json();
  }

  /** POST /auth/mfa/verify: a TOTP code buys an access token with amr "mfa" (RFC 9470 step-up). */
  async stepUp(code) {
    const sentAt = this.#now();
    const response = await this.fetch('/auth/mfa/verify', jsonBody({ code }));
    if (!response.ok) throw await problemOf(response);
    await this.#accept(await response.json(), sentAt, 'step-up');
  }

  /** POST /auth/logout (revokes this token and its refresh family, clears the cookie); this tab and its siblings end. */
  async logout() {
    try {
      if (this.#token) await this.fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' });
    } finally {
      this.#end('logout', true);
      await this.#keys?.reset(); // a new key for the next login: sessions are not linkable by their key
    }
  }

  /** POST /auth/revoke-all ("sign out everywhere"): every token of this user issued until now, on every device. */
  async revokeAll() {
    const response = await this.fetch('/auth/revoke-all', { method: 'POST', credentials: 'same-origin' });
    if (!response.ok) throw await problemOf(response);
    const result = await response.json();
    this.#end('revoked-everywhere', true);
    await this.#keys?.reset();
    return result;
  }

  async #doRefresh(trigger) {
    for (let attempt = 0; ; attempt++) {
      this.#refreshRequests++;
      this.dispatchEvent(new CustomEvent('refresh', { detail: { trigger, attempt } }));
      const sentAt = this.#now();
      const response = await this.#authRequest('/auth/refresh', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-Requested-With': this.#csrf },
      });
      if (response.ok) {
        await this.#accept(await response.json(), sentAt, 'refresh');
        return;
      }
      if (response.status === 409 && attempt < this.#conflictRetries) {
        // A concurrent refresh (another tab of this browser) spent the same cookie a moment ago and won; its answer
        // sets the new cookie. Waiting a little and trying again uses that one. Never re-sent at once: the winner's
        // Set-Cookie may not have arrived yet, and the same spent token again would be reuse.
        await new Promise((resolve) => this.#setTimeout(resolve, this.#conflictDelay * (attempt + 1)));
        continue;
      }
      if (response.status === 401 || response.status === 403 || response.status === 409) {
        this.#end('refresh-refused', false);
        throw new SessionEndedError('refresh-refused');
      }
      throw await problemOf(response); // 429, 5xx: the current token (if any) stays until it expires
    }
  }

  /** A request to the auth service, with a DPoP proof (and the server's nonce, asked once) when a key store is set. */
  async #authRequest(path, init, nonceRetry = true) {
    const url = this.#resolve(path);
    const headers = new Headers(init.headers);
    if (this.#keys) {
      const key = await this.#keys.key();
      headers.set('DPoP', await key.proof({ method: init.method, url, nonce: this.#nonces.auth, now: this.#now() }));
    }
    const response = await this.#fetch(url, { ...init, headers });
    this.#remember('auth', response);
    if (this.#keys && nonceRetry && (await isNonceChallenge(response))) {
      return this.#authRequest(path, init, false);
    }
    return response;
  }

  /** One request to an API (or the auth service's token-protected endpoints) with the current access token. */
  async #send(url, init, nonceRetry = true) {
    const headers = new Headers(init.headers);
    const token = this.#token;
    if (!token) throw new SessionEndedError('not-signed-in');
    headers.set('Authorization', `${this.#scheme} ${token}`);
    const method = (init.method ?? 'GET').toUpperCase();
    if (this.#scheme === 'DPoP') {
      const key = await this.#keys.key();
      headers.set('DPoP', await key.proof({ method, url, accessToken: token, nonce: this.#nonces.api, now: this.#now() }));
    }
    const response = await this.#fetch(url, { ...init, method, headers });
    this.#remember('api', response);
    if (this.#scheme === 'DPoP' && nonceRetry && (await isNonceChallenge(response))) {
      return this.#send(url, init, false);
    }
    return response;
  }

  #remember(server, response) {
    const nonce = response.headers.get('DPoP-Nonce');
    if (nonce) this.#nonces[server] = nonce;
  }

  async #accept(body, sentAt, reason) {
    if (!body?.access_token) throw new ProblemError(502, { detail: 'no access token in the answer' });
    const scheme = String(body.token_type ?? 'Bearer').toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    if (scheme === 'DPoP' && !this.#keys) throw new ProblemError(502, { detail: 'a DPoP-bound token without a key' });
    this.#token = body.access_token;
    this.#scheme = scheme;
    this.#claims = decodeClaims(body.access_token);
    if (body.user) this.#user = body.user;
    else if (!this.#user) this.#user = { id: this.#claims.sub, username: this.#claims.username, role: this.#claims.role };
    // expires_in is counted from when the request left, by this browser's clock: no trust in its agreement with the
    // server's clock (the exp claim would need it)
    this.#expiresAt = sentAt + Number(body.expires_in) * 1000;
    this.#schedule();
    this.dispatchEvent(new CustomEvent('token', { detail: { reason, tokenType: scheme } }));
  }

  #schedule() {
    if (this.#timer !== null) this.#clearTimeout(this.#timer);
    this.#timer = null;
    if (!this.#refreshAhead || !this.#token) return;
    const lifetime = Math.max(0, this.#expiresAt - this.#now());
    // never more than half the lifetime ahead, and the jitter at most a quarter: a misconfigured lead cannot make the
    // manager refresh in a loop
    const lead = Math.min(this.#lead, lifetime / 2);
    const jitter = this.#random() * Math.min(this.#jitter, lifetime / 4);
    this.#timer = this.#setTimeout(() => this.#refreshAheadNow(), Math.max(0, lifetime - lead - jitter));
  }

  #refreshAheadNow() {
    this.#timer = null;
    this.refresh('ahead').catch((error) => {
      if (error instanceof SessionEndedError || !this.#token) return;
      // the auth service was unreachable or busy: try again halfway to expiry (the token still works until then)
      const left = this.#expiresAt - this.#now();
      if (left > 2000) this.#timer = this.#setTimeout(() => this.#refreshAheadNow(), left / 2);
    });
  }

  #stepUpOnce(challenge) {
    if (!this.#onStepUp) return Promise.resolve(false);
    if (!this.#steppingUp) {
      this.#steppingUp = (async () => {
        const code = await this.#onStepUp(challenge);
        if (!code) return false;
        await this.stepUp(code);
        return true;
      })().finally(() => {
        this.#steppingUp = null;
      });
    }
    return this.#steppingUp;
  }

  #end(reason, tellOtherTabs) {
    const wasSignedIn = this.#token !== null;
    this.#token = null;
    this.#claims = null;
    this.#user = null;
    this.#expiresAt = 0;
    if (this.#timer !== null) this.#clearTimeout(this.#timer);
    this.#timer = null;
    if (tellOtherTabs) this.#channel?.postMessage({ type: 'signed-out' });
    if (wasSignedIn) {
      this.dispatchEvent(new CustomEvent('session-ended', { detail: { reason } }));
    }
  }

  #resolve(input) {
    const path = typeof input === 'string' ? input : input.url;
    if (/^https?:\/\//i.test(path)) return path;
    return new URL(this.#base + (path.startsWith('/') ? path : `/${path}`), globalThis.location?.href).href;
  }
}

function jsonBody(value) {
  return { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) };
}

/** RFC 9449 §8: 401 with WWW-Authenticate DPoP error="use_dpop_nonce" (resource server) or 400 {"error": ...} (token endpoint). */
async function isNonceChallenge(response) {
  if (!response.headers.get('DPoP-Nonce')) return false;
  if (response.status === 401) return parseChallenge(response.headers.get('WWW-Authenticate')).error === 'use_dpop_nonce';
  if (response.status === 400) {
    try {
      return (await response.clone().json()).error === 'use_dpop_nonce';
    } catch {
      return false;
    }
  }
  return false;
}

async function problemOf(response) {
  let problem = null;
  try {
    problem = await response.json();
  } catch {
    // no JSON body: the status says it all
  }
  return new ProblemError(response.status, problem);
}
