// The demo page: every call goes through the TokenManager; this file only draws what it answers.
// Settings for experiments (and the browser tests) come from the query string, e.g.
// /app/?refreshLead=5&refreshJitter=0&refreshAhead=false&checkExpiryLocally=false&dpop=off
import { TokenManager, SessionEndedError, ProblemError } from './token-manager.js';
import { DpopKeyStore } from './dpop.js';
import { drawQr } from './qr.js';

const query = new URLSearchParams(location.search);
const number = (name, fallback) => (query.has(name) ? Number(query.get(name)) : fallback);
const flag = (name, fallback) => (query.has(name) ? !['false', 'off', '0'].includes(query.get(name)) : fallback);

const $ = (id) => document.getElementById(id);
let pendingStepUp = null;
let lastOrderId = null;

const manager = new TokenManager({
  refreshLeadSeconds: number('refreshLead', 60),
  refreshJitterSeconds: number('refreshJitter', 10),
  refreshAhead: flag('refreshAhead', true),
  checkExpiryLocally: flag('checkExpiryLocally', true),
  dpop: flag('dpop', true) && globalThis.crypto?.subtle ? new DpopKeyStore() : null,
  onStepUp: (challenge) => askForCode(challenge),
});

function status(text, error = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
}

function show(signedIn) {
  $('signin').hidden = signedIn;
  for (const id of ['session', 'api', 'mfa']) $(id).hidden = !signedIn;
  if (!signedIn) {
    $('enrolment').hidden = true;
    $('stepup-form').hidden = true;
    $('result').textContent = '';
  }
  render();
}

function render() {
  if (!manager.signedIn) return;
  const claims = manager.claims;
  $('user-name').textContent = `${manager.user?.username ?? claims.username} (${claims.role})`;
  $('token-type').textContent = manager.tokenType === 'DPoP' ? 'DPoP (bound to this browser\u2019s key)' : 'Bearer';
  $('token-type').dataset.type = manager.tokenType;
  $('amr').textContent = (claims.amr ?? []).join(', ');
  $('claims').textContent = JSON.stringify(claims, null, 2);
  $('refresh-count').textContent = String(manager.refreshRequests);
  tick();
}

function tick() {
  if (manager.signedIn) $('expires-in').textContent = String(Math.max(0, Math.round((manager.expiresAt - Date.now()) / 1000)));
}

async function showResponse(label, response) {
  const text = await response.text();
  let body = text;
  try {
    body = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: shown as it came
  }
  $('result').textContent = `${label}: ${response.status}\n${body}`;
  $('result').dataset.status = String(response.status);
  return text;
}

/** Runs a user action: errors become the status line, a session that ended shows the sign-in form. */
function action(fn) {
  return async (event) => {
    event?.preventDefault();
    try {
      await fn();
    } catch (error) {
      if (error instanceof SessionEndedError) {
        show(false);
        status('Your session has ended. Please sign in again.', true);
      } else if (error instanceof ProblemError) {
        status(`${error.status}: ${error.message}`, true);
      } else {
        status(String(error?.message ?? error), true);
      }
    }
  };
}

function showCodeForm(reason) {
  $('stepup-reason').textContent = reason;
  $('stepup-form').hidden = false;
  $('totp').value = '';
  $('totp').focus();
}

/** The token manager's onStepUp: a request waits for the code the user types (null when they decline). */
function askForCode(challenge) {
  pendingStepUp?.(null);
  showCodeForm(challenge?.error_description
    ? `This needs a fresh second factor: ${challenge.error_description}`
    : 'This needs a fresh second factor: enter the code from your authenticator app.');
  status('Two-factor code needed');
  return new Promise((resolve) => {
    pendingStepUp = resolve;
  });
}

const call = (label, path) => action(async () => {
  status(`Calling ${label}…`);
  const response = await manager.fetch(path);
  if (!manager.signedIn) return; // the session ended with this answer: the sign-in form says so
  await showResponse(label, response);
  status(response.ok ? `${label}: OK` : `${label}: ${response.status}`, !response.ok);
});

$('login-form').addEventListener('submit', action(async () => {
  status('Signing in…');
  await manager.login($('username').value, $('password').value);
  $('password').value = '';
  show(true);
  status(`Signed in as ${manager.user.username}`);
}));

$('call-user').addEventListener('click', call('user service', '/api/users/me'));
$('call-products').addEventListener('click', call('product service', '/api/products'));
$('call-orders').addEventListener('click', call('order service', '/api/orders'));
$('call-all').addEventListener('click', action(async () => {
  status('Calling three services at once…');
  const paths = ['/api/users/me', '/api/products', '/api/orders'];
  const responses = await Promise.all(paths.map((path) => manager.fetch(path)));
  if (!manager.signedIn) return;
  const bodies = await Promise.all(responses.map((r) => r.text()));
  $('result').textContent = paths.map((p, i) => `${p}: ${responses[i].status}\n${bodies[i]}`).join('\n\n');
  $('result').dataset.status = responses.map((r) => r.status).join(',');
  const ok = responses.every((r) => r.ok);
  status(ok ? 'All three: OK' : 'Some calls failed', !ok);
}));

$('order-form').addEventListener('submit', action(async () => {
  status('Creating an order…');
  const response = await manager.fetch('/api/orders', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ items: [{ productId: $('order-product').value, quantity: Number($('order-quantity').value) }] }),
  });
  if (!manager.signedIn) return;
  const text = await showResponse('create order', response);
  if (response.ok) {
    lastOrderId = JSON.parse(text).id;
    $('cancel-order').disabled = false;
    status(`Order ${lastOrderId} created`);
  } else {
    status(`Order refused: ${response.status}`, true);
  }
}));

$('cancel-order').addEventListener('click', action(async () => {
  status(`Cancelling order ${lastOrderId}…`);
  const response = await manager.fetch(`/api/orders/${encodeURIComponent(lastOrderId)}/cancel`, { method: 'POST' });
  if (!manager.signedIn) return;
  await showResponse('cancel order', response);
  status(response.ok ? `Order ${lastOrderId} cancelled` : `Cancel refused: ${response.status}`, !response.ok);
}));

$('enroll').addEventListener('click', action(async () => {
  const enrolment = await manager.enrollMfa();
  drawQr($('qr'), enrolment.otpauth_uri, 5);
  $('secret').textContent = enrolment.secret;
  $('enrolment').hidden = false;
  showCodeForm('Enter the first code your app shows to finish the set-up.');
  status('Scan the code, then enter the first code your app shows');
}));

$('stepup-form').addEventListener('submit', action(async () => {
  const code = $('totp').value.trim();
  $('stepup-form').hidden = true;
  if (pendingStepUp) {
    const resolve = pendingStepUp;
    pendingStepUp = null;
    // a request is waiting for this code (the manager verifies it and sends the request again)
    resolve(code);
  } else {
    await manager.stepUp(code);
    status('Two-factor authentication verified');
  }
}));

$('stepup-cancel').addEventListener('click', () => {
  $('stepup-form').hidden = true;
  pendingStepUp?.(null);
  pendingStepUp = null;
  status('Step-up cancelled');
});

$('refresh').addEventListener('click', action(async () => {
  await manager.refresh();
  status('Token refreshed');
}));

$('logout').addEventListener('click', action(async () => {
  await manager.logout();
  status('Signed out');
}));

$('revoke-all').addEventListener('click', action(async () => {
  const result = await manager.revokeAll();
  status(`Signed out everywhere (${result.refresh_families_revoked} sessions ended)`);
}));

manager.addEventListener('token', (event) => {
  render();
  if (event.detail.reason === 'step-up') status('Two-factor authentication verified');
});
manager.addEventListener('refresh', () => {
  $('refresh-count').textContent = String(manager.refreshRequests);
});
manager.addEventListener('session-ended', (event) => {
  show(false);
  const reasons = {
    logout: 'Signed out',
    'revoked-everywhere': 'Signed out everywhere',
    'signed-out-in-another-tab': 'Signed out in another tab',
    'token-refused': 'Your session has ended (signed out elsewhere?). Please sign in again.',
    'refresh-refused': 'Your session has ended. Please sign in again.',
  };
  status(reasons[event.detail.reason] ?? 'Your session has ended', !['logout', 'revoked-everywhere'].includes(event.detail.reason));
  $('signin').dataset.ended = event.detail.reason;
});

setInterval(tick, 1000);

manager.resume().then(
  (resumed) => {
    show(resumed);
    status(resumed ? `Welcome back, ${manager.user.username}` : 'Please sign in');
    document.body.dataset.ready = 'true';
  },
  (error) => {
    show(false);
    status(`Could not reach the auth service: ${error.message}`, true);
    document.body.dataset.ready = 'true';
  },
);
