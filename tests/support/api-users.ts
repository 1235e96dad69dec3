import { randomBytes } from 'node:crypto';
import type supertest from 'supertest';

export interface TestUser {
  id: string;
  username: string;
  token: string;
  auth: { Authorization: string };
}

let counter = 0;

export function uniqueName(prefix = 'u'): string {
  counter += 1;
  return `${prefix}${counter}_${randomBytes(3).toString('hex')}`.toLowerCase().slice(0, 30);
}

/** Registers through the public API, as a client would. */
export async function registerUser(
  http: ReturnType<typeof supertest>,
  name = uniqueName(),
): Promise<TestUser> {
  const res = await http
    .post('/api/auth/register')
    .send({ username: name, email: `${name}@example.test`, password: 'correct horse battery' });
  if (res.status !== 201)
    throw new Error(`register ${name} failed: ${res.status} ${JSON.stringify(res.body)}`);
  const token = res.body.token as string;
  return {
    id: res.body.user.id,
    username: res.body.user.username,
    token,
    auth: { Authorization: `Bearer ${token}` },
  };
}
