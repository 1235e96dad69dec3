import { randomBytes } from 'node:crypto';
import { ConflictError, UnauthorizedError } from '../../errors/app-error';
import { isDuplicateKey } from '../../errors/is-duplicate-key';
import type { RelationshipChanges } from '../../ports/relationship-changes';
import type { SessionRevocation } from '../../ports/session-revocation';
import type { PasswordHasher } from './password-hasher';
import { assertStrongPassword } from './password-strength';
import type { TokenService } from './token-service';
import type { UserModel } from './user-model';
import { loginQuery } from './user-queries';
import { type PublicUser, toPublicUser } from './user-view';

export interface RegisterInput {
  username: string;
  email: string;
  password: string;
  name?: string | undefined;
}

export interface AuthResult {
  user: PublicUser;
  token: string;
}

/** The account's own strings: a password built from them is weak. */
function accountWords(a: { username: string; email: string; name?: string | undefined }): string[] {
  return [a.username, a.email, a.email.split('@')[0] ?? '', a.name ?? ''];
}

export class AuthService {
  /** a hash of a random password, made by the same hasher with the same parameters as real ones */
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly deps: {
      users: UserModel;
      hasher: PasswordHasher;
      tokens: TokenService;
      versions: SessionRevocation;
      /** told of each new account, related to no one yet */
      relationships?: Pick<RelationshipChanges, 'created'> | undefined;
    },
  ) {
    // made now, in the background, so the first unknown login does not pay for it either
    this.dummy().catch(() => {});
  }

  async register(input: RegisterInput): Promise<AuthResult> {
    const username = input.username.toLowerCase();
    const email = input.email.toLowerCase();
    assertStrongPassword(input.password, accountWords({ username, email, name: input.name }));
    const passwordHash = await this.deps.hasher.hash(input.password);
    try {
      const doc = await this.deps.users.create({
        username,
        email,
        passwordHash,
        name: input.name ?? username,
      });
      const user = toPublicUser(doc.toObject(), { withEmail: true });
      // a new account is related to no one: its first connect reads no contacts from the store
      await Promise.all([this.deps.versions.issued(user.id, 0), this.deps.relationships?.created(user.id)]);
      return { user, token: this.deps.tokens.sign(user.id, 0) };
    } catch (err) {
      // The unique indexes decide, so two concurrent sign-ups for one name cannot both win.
      if (isDuplicateKey(err)) {
        // MongoDB names the index in keyPattern; FerretDB does not, so ask which one is taken.
        const key =
          Object.keys((err as { keyPattern?: object }).keyPattern ?? {})[0] ??
          ((await this.deps.users.exists({ username })) ? 'username' : 'email');
        throw new ConflictError(`That ${key} is taken`, [{ path: key, message: 'taken' }]);
      }
      throw err;
    }
  }

  async login(login: string, password: string): Promise<AuthResult> {
    const doc = await loginQuery(this.deps.users, login).lean();
    if (!doc) {
      // The same verification as for a wrong password, so an unknown login does not answer
      // sooner: answer time must not tell which usernames and emails have an account.
      await this.deps.hasher.verify(await this.dummy(), password);
      throw new UnauthorizedError('Wrong login or password');
    }
    if (!(await this.deps.hasher.verify(doc.passwordHash, password)))
      throw new UnauthorizedError('Wrong login or password');
    const userId = doc._id.toHexString();
    await this.deps.versions.issued(userId, doc.tokenVersion ?? 0);
    return {
      user: toPublicUser(doc, { withEmail: true }),
      token: this.deps.tokens.sign(userId, doc.tokenVersion ?? 0),
    };
  }

  /** Ends every session of the user: each token issued so far, and the live sockets. */
  async logout(userId: string): Promise<void> {
    await this.deps.versions.bump(userId);
  }

  /**
   * A new password revokes every existing session (a stolen token dies with the old password);
   * the caller gets a fresh token for the new session.
   */
  async changePassword(userId: string, current: string, next: string): Promise<{ token: string }> {
    const doc = await this.deps.users.findById(userId).select('+passwordHash').lean();
    if (!doc) throw new UnauthorizedError('Account no longer exists');
    assertStrongPassword(next, accountWords(doc));
    if (!(await this.deps.hasher.verify(doc.passwordHash, current)))
      throw new UnauthorizedError('Wrong password');
    const passwordHash = await this.deps.hasher.hash(next);
    await this.deps.users.updateOne({ _id: userId }, { $set: { passwordHash } });
    const version = await this.deps.versions.bump(userId);
    return { token: this.deps.tokens.sign(userId, version) };
  }

  /** Made once; a failure is retried on the next unknown login. */
  private dummy(): Promise<string> {
    this.dummyHash ??= this.deps.hasher.hash(randomBytes(16).toString('base64url')).catch((err) => {
      this.dummyHash = undefined;
      throw err;
    });
    return this.dummyHash;
  }

  async me(userId: string): Promise<PublicUser> {
    const doc = await this.deps.users.findById(userId).lean();
    // A valid token for a deleted account is no longer a session.
    if (!doc) throw new UnauthorizedError('Account no longer exists');
    return toPublicUser(doc, { withEmail: true });
  }
}
