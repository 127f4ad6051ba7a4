/**
 * DPoP (RFC 9449) for the browser: a P-256 key pair made by WebCrypto with a NON-EXTRACTABLE private key, and the
 * proofs signed with it. Script on the page (including injected script) can ask for a proof while the page is open,
 * but cannot copy the private key out of the browser: a token stolen from this page is useless anywhere else.
 *
 * The key is kept in IndexedDB (a CryptoKey survives structured cloning with its extractable flag intact), so that a
 * reload can still spend the refresh token whose family the auth service bound to this key. No dependencies.
 */

const DB_NAME = 'portcullis-dpop';
const STORE = 'keys';
const encoder = new TextEncoder();

/** base64url without padding (RFC 7515 §2) of bytes or an ArrayBuffer. */
export function base64url(bytes) {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  for (const b of view) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The {@code ath} of a proof: base64url(SHA-256(ASCII(access token))) (RFC 9449 §4.2). */
export async function accessTokenHash(accessToken) {
  return base64url(await crypto.subtle.digest('SHA-256', encoder.encode(accessToken)));
}

/**
 * The {@code htu} of a proof: the request's URL without query and fragment (RFC 9449 §4.2), resolved against the
 * page, as the server normalises it (scheme and host lower case, default port left out: URL does both).
 */
export function htu(url, base = globalThis.location?.href) {
  const parsed = new URL(url, base);
  return parsed.origin + parsed.pathname;
}

/** One key pair and the proofs it signs. */
export class DpopKey {
  #keyPair;
  #jwk;
  #thumbprint;

  constructor(keyPair, jwk, thumbprint) {
    this.#keyPair = keyPair;
    this.#jwk = jwk;
    this.#thumbprint = thumbprint;
  }

  /** A new key pair whose private half can never leave WebCrypto. */
  static async generate() {
    const keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    return DpopKey.of(keyPair);
  }

  static async of(keyPair) {
    // the public half of a key pair is always exportable, whatever the flag says about the private one
    const full = await crypto.subtle.exportKey('jwk', keyPair.publicKey);
    const jwk = { kty: 'EC', crv: 'P-256', x: full.x, y: full.y };
    // RFC 7638: the required members in lexicographic order, no white space
    const canonical = `{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`;
    const thumbprint = base64url(await crypto.subtle.digest('SHA-256', encoder.encode(canonical)));
    return new DpopKey(keyPair, jwk, thumbprint);
  }

  /** The public key as a JWK (the proof header's {@code jwk}). */
  get publicJwk() {
    return { ...this.#jwk };
  }

  /** The JWK SHA-256 thumbprint: what a bound token carries as {@code cnf.jkt}. */
  get thumbprint() {
    return this.#thumbprint;
  }

  /** Whether script could export the private key (always false for keys made here). */
  get extractable() {
    return this.#keyPair.privateKey.extractable;
  }

  /**
   * A proof for one request: {@code typ dpop+jwt}, ES256, this key's public JWK; {@code htm}, {@code htu}, {@code iat},
   * a fresh {@code jti}; {@code ath} when an access token goes with the request; {@code nonce} when the server asked.
   */
  async proof({ method, url, accessToken = null, nonce = null, now = Date.now() }) {
    const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: this.publicJwk };
    const claims = {
      jti: base64url(crypto.getRandomValues(new Uint8Array(16))),
      htm: method.toUpperCase(),
      htu: htu(url),
      iat: Math.floor(now / 1000),
    };
    if (accessToken) claims.ath = await accessTokenHash(accessToken);
    if (nonce) claims.nonce = nonce;
    const signingInput = `${base64url(encoder.encode(JSON.stringify(header)))}.${base64url(encoder.encode(JSON.stringify(claims)))}`;
    // WebCrypto's ECDSA signature is already JWS's form: r || s, 32 bytes each (no DER to unwrap)
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, this.#keyPair.privateKey,
      encoder.encode(signingInput));
    return `${signingInput}.${base64url(signature)}`;
  }

  /** The key pair, for storing it (structured clone keeps the private key non-extractable). */
  get keyPair() {
    return this.#keyPair;
  }
}

/**
 * Where the page's key lives between reloads: IndexedDB, one key per name. {@link #key} loads it or makes one;
 * {@link #reset} forgets it (after logout, so that the next login is not linkable to this one by its key).
 */
export class DpopKeyStore {
  #name;
  #indexedDB;
  #current = null;

  constructor({ name = 'default', indexedDB = globalThis.indexedDB } = {}) {
    this.#name = name;
    this.#indexedDB = indexedDB;
  }

  /** The stored key, or a new one (stored). Concurrent callers share one. */
  key() {
    if (!this.#current) {
      this.#current = this.#loadOrCreate().catch((error) => {
        this.#current = null;
        throw error;
      });
    }
    return this.#current;
  }

  async reset() {
    this.#current = null;
    if (!this.#indexedDB) return;
    const db = await this.#open();
    try {
      await request(db.transaction(STORE, 'readwrite').objectStore(STORE).delete(this.#name));
    } finally {
      db.close();
    }
  }

  async #loadOrCreate() {
    if (!this.#indexedDB) {
      return DpopKey.generate(); // no IndexedDB (a private window in some browsers): the key lives as long as the page
    }
    const db = await this.#open();
    try {
      const stored = await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(this.#name));
      if (stored?.privateKey && stored?.publicKey) {
        return DpopKey.of(stored);
      }
      const key = await DpopKey.generate();
      await request(db.transaction(STORE, 'readwrite').objectStore(STORE).put(key.keyPair, this.#name));
      return key;
    } finally {
      db.close();
    }
  }

  #open() {
    const opening = this.#indexedDB.open(DB_NAME, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
    return request(opening);
  }
}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}
