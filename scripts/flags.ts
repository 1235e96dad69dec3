import { coerceFlagInput, isFlagName } from '../backend/config/features';

const USAGE = `usage: npm run flags -- <command>
  list                  every flag: value in force, source, pending value, last change
  set NAME VALUE        override a flag on every instance (VALUE: true/false, a number, or text)
  reset NAME            drop the override: back to env or default
  history [NAME]        the audit trail, newest first
env: ADMIN_URL (default http://127.0.0.1:5000), ADMIN_TOKEN (required; the audit names the token, see ADMIN_TOKENS)
`;

export interface CliIo {
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: CliIo = {
  env: process.env,
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

interface FlagRow {
  name: string;
  value: unknown;
  source: string;
  pendingValue?: unknown;
  restartPending?: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

interface AuditRow {
  version: number;
  flag: string;
  action: string;
  oldValue: unknown;
  newValue: unknown;
  actor: string;
  at: string;
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

/**
 * The operators' CLI over the admin API (never the database directly), so a change goes through
 * the same validation, audit and propagation as any other. Exit codes: 0 done, 1 refused or
 * unreachable, 2 usage.
 */
export async function main(args: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, name, rawValue, ...rest] = args;
  const base = (io.env.ADMIN_URL ?? 'http://127.0.0.1:5000').replace(/\/+$/, '');
  const token = io.env.ADMIN_TOKEN;
  const usage = (problem?: string) => {
    if (problem) io.err(`${problem}\n`);
    io.err(USAGE);
    return 2;
  };
  const valid =
    (command === 'list' && !name) ||
    (command === 'set' && name && rawValue !== undefined && rest.length === 0) ||
    (command === 'reset' && name && rawValue === undefined) ||
    (command === 'history' && rawValue === undefined);
  if (!valid) return usage(command ? `bad arguments for ${command}` : undefined);
  if (!token) return usage('ADMIN_TOKEN is not set');

  const call = async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  };

  let res: Awaited<ReturnType<typeof call>>;
  try {
    if (command === 'list') res = await call('GET', '/admin/flags');
    else if (command === 'set') {
      // typed like env values ("true", "25"); an unknown name goes as text and the API says why
      const value = isFlagName(name!) ? coerceFlagInput(name, rawValue!) : rawValue;
      res = await call('POST', '/admin/flags', { flag: name, value });
    } else if (command === 'reset') res = await call('DELETE', `/admin/flags/${encodeURIComponent(name!)}`);
    else {
      const query = name ? `?flag=${encodeURIComponent(name)}` : '';
      res = await call('GET', `/admin/flags/history${query}`);
    }
  } catch (err) {
    io.err(`cannot reach ${base}: ${(err as Error).message}\n`);
    return 1;
  }

  if (res.status >= 400) {
    const error = (
      res.json as { error?: { code: string; message: string; details?: Array<{ message: string }> } }
    )?.error;
    const details = error?.details?.map((d) => d.message).join('; ');
    io.err(
      `${res.status} ${error?.code ?? ''} ${error?.message ?? res.text.slice(0, 200)}${details ? `: ${details}` : ''}\n`,
    );
    return 1;
  }

  if (command === 'list') {
    const flags = (res.json as { flags: FlagRow[] }).flags;
    const rows = [['FLAG', 'VALUE', 'SOURCE', 'PENDING', 'UPDATED']];
    for (const f of flags)
      rows.push([
        f.name,
        show(f.value),
        f.source,
        f.restartPending ? `${show(f.pendingValue)} (restart)` : '',
        f.updatedAt ? `${f.updatedAt} by ${f.updatedBy}` : '',
      ]);
    io.out(table(rows));
  } else if (command === 'history') {
    const entries = (res.json as { entries: AuditRow[] }).entries;
    const rows = [['VERSION', 'AT', 'FLAG', 'ACTION', 'OLD', 'NEW', 'BY']];
    for (const e of entries)
      rows.push([String(e.version), e.at, e.flag, e.action, show(e.oldValue), show(e.newValue), e.actor]);
    io.out(table(rows));
  } else {
    const f = (res.json as { flag: FlagRow }).flag;
    const pending = f.restartPending ? `; ${show(f.pendingValue)} after a restart` : '';
    io.out(`${f.name} = ${show(f.value)} (${f.source})${pending}\n`);
  }
  return 0;
}
