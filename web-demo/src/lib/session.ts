import { createFrontrow, type Frontrow, type Tier } from '@frontrow/client';

/** The demo's identity: a dev token for a made-up user, kept in sessionStorage so a reload keeps the place. */
export interface DemoUser {
  userId: string;
  name: string;
  tier: Tier;
  role: 'admin' | 'user';
}

const KEY = (role: string) => `frontrow.${role}`;

/** A client for pages served by the server itself: same origin, sockets included. */
export const anonymous = (): Frontrow => createFrontrow({ baseUrl: '' });

export function savedUser(role: 'admin' | 'user'): DemoUser | undefined {
  try {
    const raw = sessionStorage.getItem(KEY(role));
    return raw ? (JSON.parse(raw) as DemoUser) : undefined;
  } catch {
    return undefined;
  }
}

export function forgetUser(role: 'admin' | 'user'): void {
  sessionStorage.removeItem(KEY(role));
}

/**
 * Signs the demo user in with the server's development token issuer. The token is a function, so when it
 * expires (401) the SDK asks again and gets a fresh one for the same user: the fan never notices.
 */
export function signIn(user: DemoUser): Frontrow {
  sessionStorage.setItem(KEY(user.role), JSON.stringify(user));
  const issuer = anonymous();
  const token = async () =>
    (
      await issuer.auth.devToken({
        userId: user.userId,
        name: user.name,
        tier: user.tier,
        role: user.role,
      })
    ).token;
  return createFrontrow({ baseUrl: '', token });
}

/** "Ada Lovelace" → "ada-lovelace-k3f9": readable in the dashboard's queue head, unique enough for a demo. */
export function newUserId(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
  return `${slug || 'fan'}-${Math.random().toString(36).slice(2, 6)}`;
}

export function keep<T>(key: string, value: T | undefined): void {
  if (value === undefined) sessionStorage.removeItem(`frontrow.${key}`);
  else sessionStorage.setItem(`frontrow.${key}`, JSON.stringify(value));
}
export function kept<T>(key: string): T | undefined {
  try {
    const raw = sessionStorage.getItem(`frontrow.${key}`);
    return raw ? (JSON.parse(raw) as T) : undefined;
  } catch {
    return undefined;
  }
}
