// Unit tests of the token manager and its DPoP proofs, run in the real browser (BrowserTokenManagerTest reads
// window.testResults). The server is a fake fetch; time and timers are fakes where a test is about time.
import { TokenManager, SessionEndedError, parseChallenge, decodeClaims } from '/app/token-manager.js';
import { DpopKeyStore, accessTokenHash } from '/app/dpop.js';

const results = [];
const tests = [];
const test = (name, fn) => tests.push({ name, fn });

function assert(condition, message) {
  if (!condition) throw new Error(message);
}
function equal(actual, expected, message) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${message}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

const b64 = (value) => btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
let serial = 0;
function jwt(claims = {}) {
  serial++;
  return `${b64({ alg: 'RS256', typ: 'at+jwt' })}.${b64({ sub: 'u-1', username: 'alice', role: 'user', amr: ['pwd'], jti: `j${serial}`, ...claims })}.sig${serial}`;
}
const json = (status, body, headers = {}) => new Response(body === null ? null : JSON.stringify(body), {
  status, headers: { 'Content-Type': 'application/json', ...headers },
});
const tokenAnswer = (token, expiresIn = 300, type = 'Bearer') => json(200, { access_token: token, token_type: type, expires_in: expiresIn });
const expired = () => json(401, { title: 'Invalid access token' }, {
  'WWW-Authenticate': 'Bearer realm="portcullis", error="invalid_token", error_description="The access token expired"',
});

/** A fake server: routes by "METHOD /path" to a handler(request) returning a Response; every request is recorded. */
function server(routes) {
  const requests = [];
  const fetch = async (url, init = {}) => {
    const parsed = new URL(url);
    const request = { url, path: parsed.pathname, method: init.method ?? 'GET', headers: new Headers(init.headers), init };
    request.authorization = request.headers.get('Authorization');
    request.token = request.authorization?.split(' ')[1] ?? null;
    requests.push(request);
    const handler = routes[`${request.method} ${parsed.pathname}`];
    if (!handler) return json(404, { title: 'no route in the fake server' });
    return handler(request);
  };
  const to = (path) => requests.filter((r) => r.path === path);
  return { fetch, requests, to };
}

function fakeTimers() {
  const timers = [];
  return {
    timers,
    setTimeout: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimeout: (id) => {
      if (timers[id - 1]) timers[id - 1].cleared = true;
    },
    live: () => timers.filter((t) => !t.cleared),
  };
}

function manager(fake, options = {}) {
  return new TokenManager({ fetch: fake.fetch, channelName: null, ...options });
}

function decodeJws(jws) {
  const [h, p] = jws.split('.');
  return { header: decodeClaims(`x.${h}.x`), claims: decodeClaims(`x.${p}.x`) };
}

async function verifyProof(proof) {
  const { header } = decodeJws(proof);
  const key = await crypto.subtle.importKey('jwk', header.jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  const [h, p, s] = proof.split('.');
  const signature = Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, new TextEncoder().encode(`${h}.${p}`));
}

const login = (extra = {}) => ({ 'POST /auth/login': () => tokenAnswer(jwt(), 300), ...extra });

test('keeps the access token in memory only, never in web storage or a readable cookie', async () => {
  const token = jwt();
  const fake = server({ 'POST /auth/login': () => tokenAnswer(token) });
  const m = manager(fake);
  await m.login('alice', 'alice-password');
  assert(m.signedIn, 'signed in');
  equal(localStorage.length, 0, 'localStorage entries');
  equal(sessionStorage.length, 0, 'sessionStorage entries');
  assert(!document.cookie.includes(token), 'the token is in a script-readable cookie');
  assert(!JSON.stringify(m).includes(token) && !Object.values(m).includes(token), 'the token is a public property');
});

test('schedules the refresh ahead of expiry by the lead, minus a random jitter', async () => {
  const timers = fakeTimers();
  const fake = server({ 'POST /auth/login': () => tokenAnswer(jwt(), 300) });
  const m = manager(fake, { ...timers, now: () => 1000, random: () => 0.5, refreshLeadSeconds: 60, refreshJitterSeconds: 20 });
  await m.login('alice', 'pw');
  equal(timers.live().map((t) => t.ms), [300000 - 60000 - 10000], 'refresh timer delays');
});

test('never schedules a refresh further ahead than half the lifetime, nor jitters more than a quarter', async () => {
  const timers = fakeTimers();
  const fake = server({ 'POST /auth/login': () => tokenAnswer(jwt(), 20) });
  const m = manager(fake, { ...timers, now: () => 0, random: () => 1, refreshLeadSeconds: 60, refreshJitterSeconds: 60 });
  await m.login('alice', 'pw');
  equal(timers.live().map((t) => t.ms), [20000 - 10000 - 5000], 'refresh timer delays');
});

test('refreshes when the scheduled time comes, with the cookie and the CSRF header, and schedules the next', async () => {
  const timers = fakeTimers();
  const next = jwt();
  const fake = server(login({ 'POST /auth/refresh': () => tokenAnswer(next, 300) }));
  const m = manager(fake, { ...timers, now: () => 0, random: () => 0 });
  await m.login('alice', 'pw');
  const [due] = timers.live();
  due.cleared = true; // it fires
  due.fn();
  await new Promise((resolve) => m.addEventListener('token', resolve, { once: true }));
  const [refresh] = fake.to('/auth/refresh');
  equal(refresh.init.credentials, 'same-origin', 'credentials of the refresh');
  assert(refresh.headers.get('X-Requested-With'), 'the refresh lacks the CSRF header');
  equal(refresh.authorization, null, 'Authorization on the refresh');
  equal(m.refreshRequests, 1, 'refresh requests');
  equal(timers.live().length, 1, 'timers after the refresh');
  const response = await m.fetch('/api/users/me');
  equal(response.status, 404, 'status from the fake server');
  equal(fake.to('/api/users/me')[0].token, next, 'token of the next request');
});

test('shares one refresh between concurrent requests that all find the token expired', async () => {
  const fresh = jwt();
  let refreshes = 0;
  const fake = server(login({
    'POST /auth/refresh': async () => {
      refreshes++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return tokenAnswer(fresh);
    },
    'GET /api/products': (r) => (r.token === fresh ? json(200, []) : expired()),
  }));
  const m = manager(fake, { refreshAhead: false });
  await m.login('alice', 'pw');
  const responses = await Promise.all([1, 2, 3, 4, 5].map(() => m.fetch('/api/products')));
  equal(responses.map((r) => r.status), [200, 200, 200, 200, 200], 'statuses');
  equal(refreshes, 1, 'refresh requests');
  equal(fake.to('/api/products').length, 10, 'API requests (each sent twice)');
});

test('does not refresh again for a request whose 401 arrives after another request already refreshed', async () => {
  const fresh = jwt();
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const fake = server(login({
    'POST /auth/refresh': () => tokenAnswer(fresh),
    'GET /api/fast': (r) => (r.token === fresh ? json(200, {}) : expired()),
    'GET /api/slow': async (r) => {
      if (r.token === fresh) return json(200, {});
      await held; // answered only after the fast request refreshed
      return expired();
    },
  }));
  const m = manager(fake, { refreshAhead: false });
  await m.login('alice', 'pw');
  const slow = m.fetch('/api/slow');
  equal((await m.fetch('/api/fast')).status, 200, 'fast status');
  release();
  equal((await slow).status, 200, 'slow status');
  equal(fake.to('/auth/refresh').length, 1, 'refresh requests');
});

test('sends a request again only once after an expired-token 401', async () => {
  const fake = server(login({ 'POST /auth/refresh': () => tokenAnswer(jwt()), 'GET /api/orders': () => expired() }));
  const m = manager(fake, { refreshAhead: false });
  await m.login('alice', 'pw');
  equal((await m.fetch('/api/orders')).status, 401, 'status');
  equal(fake.to('/api/orders').length, 2, 'API requests');
  equal(fake.to('/auth/refresh').length, 1, 'refresh requests');
});

test('refreshes first when the token already expired by the local clock (a tab that slept)', async () => {
  let now = 0;
  const fresh = jwt();
  const fake = server(login({ 'POST /auth/refresh': () => tokenAnswer(fresh), 'GET /api/orders': () => json(200, []) }));
  const m = manager(fake, { refreshAhead: false, now: () => now });
  await m.login('alice', 'pw');
  now = 301000;
  equal((await m.fetch('/api/orders')).status, 200, 'status');
  equal(fake.to('/api/orders').map((r) => r.token), [fresh], 'tokens sent');
});

test('answers the refresh endpoint\'s 409 (a concurrent refresh won) by trying again with the winner\'s cookie', async () => {
  const fresh = jwt();
  let calls = 0;
  const fake = server(login({
    'POST /auth/refresh': () => (++calls === 1 ? json(409, { title: 'Refresh conflict' }) : tokenAnswer(fresh)),
  }));
  const m = manager(fake, { refreshAhead: false, conflictDelayMillis: 5 });
  await m.login('alice', 'pw');
  await m.refresh();
  equal(calls, 2, 'refresh requests');
  assert(m.signedIn, 'the session survived');
});

test('ends the session when the refresh is refused', async () => {
  const fake = server(login({ 'POST /auth/refresh': () => json(401, { title: 'Invalid token' }) }));
  const m = manager(fake, { refreshAhead: false });
  const ended = [];
  m.addEventListener('session-ended', (e) => ended.push(e.detail.reason));
  await m.login('alice', 'pw');
  let error = null;
  await m.refresh().catch((e) => { error = e; });
  assert(error instanceof SessionEndedError, `expected SessionEndedError, got ${error}`);
  equal(ended, ['refresh-refused'], 'session-ended events');
  assert(!m.signedIn, 'still signed in');
});

test('ends the session on a revoked token without spending the refresh token', async () => {
  const fake = server(login({
    'POST /auth/refresh': () => tokenAnswer(jwt()),
    'GET /api/users/me': () => json(401, {}, { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The access token was revoked"' }),
  }));
  const m = manager(fake, { refreshAhead: false });
  const ended = [];
  m.addEventListener('session-ended', (e) => ended.push(e.detail.reason));
  await m.login('alice', 'pw');
  equal((await m.fetch('/api/users/me')).status, 401, 'status');
  equal(fake.to('/auth/refresh').length, 0, 'refresh requests');
  equal(ended, ['token-refused'], 'session-ended events');
});

test('hands a step-up challenge to the app, verifies its code and sends the request again once', async () => {
  const stepped = jwt({ amr: ['pwd', 'otp', 'mfa'] });
  const challenges = [];
  const events = [];
  const fake = server(login({
    'POST /auth/mfa/verify': () => tokenAnswer(stepped),
    'POST /api/orders/o-1/cancel': (r) => (r.token === stepped ? json(200, { status: 'CANCELLED' }) : json(401, {}, {
      'WWW-Authenticate': 'Bearer error="insufficient_user_authentication", error_description="A recent MFA step-up is required", max_age=300',
    })),
  }));
  const m = manager(fake, { refreshAhead: false, onStepUp: async (c) => { challenges.push(c); return '123456'; } });
  m.addEventListener('step-up-required', (e) => events.push(e.detail.challenge.error));
  await m.login('alice', 'pw');
  equal((await m.fetch('/api/orders/o-1/cancel', { method: 'POST' })).status, 200, 'status');
  equal(challenges.map((c) => [c.error, c.max_age]), [['insufficient_user_authentication', '300']], 'challenges');
  equal(events, ['insufficient_user_authentication'], 'events');
  equal(JSON.parse(fake.to('/auth/mfa/verify')[0].init.body), { code: '123456' }, 'verify body');
  equal(m.claims.amr, ['pwd', 'otp', 'mfa'], 'amr after the step-up');
});

test('logs out: revokes on the server, forgets the token, and tells the other tabs', async () => {
  const fake = server(login({ 'POST /auth/logout': () => new Response(null, { status: 204 }) }));
  const name = `test-${Math.random()}`;
  const m = manager(fake, { refreshAhead: false, channelName: name });
  const other = manager(fake, { refreshAhead: false, channelName: name });
  await m.login('alice', 'pw');
  await other.login('alice', 'pw');
  const otherEnded = new Promise((resolve) => other.addEventListener('session-ended', (e) => resolve(e.detail.reason)));
  await m.logout();
  assert(fake.to('/auth/logout')[0].authorization.startsWith('Bearer '), 'logout without the token');
  equal(fake.to('/auth/logout')[0].init.credentials, 'same-origin', 'credentials of the logout');
  assert(!m.signedIn, 'still signed in');
  equal(await otherEnded, 'signed-out-in-another-tab', 'the other tab');
  let error = null;
  await m.fetch('/api/products').catch((e) => { error = e; });
  assert(error instanceof SessionEndedError, 'a request after logout was sent');
});

test('signs out everywhere through revoke-all', async () => {
  const fake = server(login({ 'POST /auth/revoke-all': () => json(200, { revoked_at: 1, refresh_families_revoked: 2 }) }));
  const m = manager(fake, { refreshAhead: false });
  await m.login('alice', 'pw');
  equal((await m.revokeAll()).refresh_families_revoked, 2, 'families');
  assert(!m.signedIn, 'still signed in');
});

test('signs login and refresh with DPoP proofs of a non-extractable P-256 key', async () => {
  const store = new DpopKeyStore({ name: `test-${Math.random()}` });
  const fake = server(login({ 'POST /auth/refresh': () => tokenAnswer(jwt(), 300, 'DPoP') }));
  const m = manager(fake, { refreshAhead: false, dpop: store });
  await m.login('alice', 'pw');
  await m.refresh();
  const key = await store.key();
  assert(!key.extractable, 'the private key is extractable');
  let exported = true;
  await crypto.subtle.exportKey('jwk', key.keyPair.privateKey).catch(() => { exported = false; });
  assert(!exported, 'the private key could be exported');
  for (const [path, request] of [['/auth/login', fake.to('/auth/login')[0]], ['/auth/refresh', fake.to('/auth/refresh')[0]]]) {
    const proof = request.headers.get('DPoP');
    assert(proof, `no proof on ${path}`);
    const { header, claims } = decodeJws(proof);
    equal([header.typ, header.alg, header.jwk.kty, header.jwk.crv, 'd' in header.jwk], ['dpop+jwt', 'ES256', 'EC', 'P-256', false], 'header');
    equal([claims.htm, claims.htu], ['POST', location.origin + path], 'htm and htu');
    assert(Math.abs(claims.iat - Date.now() / 1000) < 5 && claims.jti.length >= 16 && !('ath' in claims), `claims ${JSON.stringify(claims)}`);
    assert(await verifyProof(proof), 'the signature does not verify with the proof\'s key');
  }
  const jtis = [fake.to('/auth/login')[0], fake.to('/auth/refresh')[0]].map((r) => decodeJws(r.headers.get('DPoP')).claims.jti);
  assert(jtis[0] !== jtis[1], 'a jti used twice');
});

test('sends a bound token as "DPoP" with a proof whose ath is the token\'s hash and htu has no query', async () => {
  const token = jwt({ cnf: { jkt: 'x' } });
  const fake = server({ 'POST /auth/login': () => tokenAnswer(token, 300, 'DPoP'), 'GET /api/products': () => json(200, []) });
  const m = manager(fake, { refreshAhead: false, dpop: new DpopKeyStore({ name: `test-${Math.random()}` }) });
  await m.login('alice', 'pw');
  equal(m.tokenType, 'DPoP', 'token type');
  await m.fetch('/api/products?page=2#top');
  const request = fake.to('/api/products')[0];
  equal(request.authorization, `DPoP ${token}`, 'Authorization');
  const { claims } = decodeJws(request.headers.get('DPoP'));
  equal([claims.htm, claims.htu, claims.ath], ['GET', `${location.origin}/api/products`, await accessTokenHash(token)], 'proof claims');
});

test('follows the server\'s Bearer answer even with a key (a server without DPoP)', async () => {
  const fake = server({ 'POST /auth/login': () => tokenAnswer(jwt(), 300, 'Bearer'), 'GET /api/products': () => json(200, []) });
  const m = manager(fake, { refreshAhead: false, dpop: new DpopKeyStore({ name: `test-${Math.random()}` }) });
  await m.login('alice', 'pw');
  await m.fetch('/api/products');
  const request = fake.to('/api/products')[0];
  assert(request.authorization.startsWith('Bearer '), request.authorization);
  equal(request.headers.get('DPoP'), null, 'a proof with a Bearer token');
});

test('sends a proof again once with the server\'s nonce, at the API and at the token endpoint', async () => {
  let refreshes = 0;
  const fake = server({
    'POST /auth/login': () => tokenAnswer(jwt(), 300, 'DPoP'),
    'POST /auth/refresh': () => (++refreshes === 1
      ? json(400, { error: 'use_dpop_nonce' }, { 'DPoP-Nonce': 'as-nonce' })
      : tokenAnswer(jwt(), 300, 'DPoP')),
    'GET /api/products': (r) => (decodeJws(r.headers.get('DPoP')).claims.nonce === 'rs-nonce' ? json(200, [])
      : json(401, {}, { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce"', 'DPoP-Nonce': 'rs-nonce' })),
  });
  const m = manager(fake, { refreshAhead: false, dpop: new DpopKeyStore({ name: `test-${Math.random()}` }) });
  await m.login('alice', 'pw');
  equal((await m.fetch('/api/products')).status, 200, 'API status');
  equal(fake.to('/api/products').length, 2, 'API requests');
  await m.refresh();
  equal(fake.to('/auth/refresh').map((r) => decodeJws(r.headers.get('DPoP')).claims.nonce ?? null), [null, 'as-nonce'], 'refresh nonces');
  equal(m.refreshRequests, 1, 'refreshes counted (a nonce retry is the same refresh)');
});

test('keeps the key across page loads (IndexedDB) and makes a new one after reset', async () => {
  const name = `test-${Math.random()}`;
  const first = await new DpopKeyStore({ name }).key();
  const again = await new DpopKeyStore({ name }).key();
  equal(again.thumbprint, first.thumbprint, 'thumbprint after a reload');
  assert(!again.extractable, 'the stored key became extractable');
  const store = new DpopKeyStore({ name });
  await store.reset();
  assert((await store.key()).thumbprint !== first.thumbprint, 'the same key after reset');
});

test('parses RFC 6750 and RFC 9470 challenges', async () => {
  const c = parseChallenge('Bearer realm="portcullis", error="insufficient_user_authentication", error_description="needs \\"mfa\\"", max_age=300');
  equal([c.scheme, c.realm, c.error, c.error_description, c.max_age], ['Bearer', 'portcullis', 'insufficient_user_authentication', 'needs "mfa"', '300'], 'parsed');
  equal(parseChallenge(null), {}, 'no header');
});

const show = () => {
  document.getElementById('results').textContent = results.map((r) => `${r.ok ? 'PASS' : 'FAIL'} ${r.name}${r.error ? `\n  ${r.error}` : ''}`).join('\n');
};
for (const { name, fn } of tests) {
  // a test that never settles fails after 10 s instead of stopping the rest
  const timeout = new Promise((resolve, reject) => setTimeout(() => reject(new Error('timed out after 10 s')), 10000));
  try {
    await Promise.race([fn(), timeout]);
    results.push({ name, ok: true });
  } catch (error) {
    results.push({ name, ok: false, error: String(error?.stack ?? error) });
  }
  show();
}
window.testResults = results;
