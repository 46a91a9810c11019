/**
 * The one place that calls fetch. Sends the session cookie (same origin) and,
 * on state-changing requests, the CSRF token; turns `{ error: { code, message } }`
 * into ApiError; reports a lost session (401) once so the app can go to sign-in.
 */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface ClientHooks {
  csrfToken: () => string | undefined;
  /** Called when a request that needed a session answers 401. */
  onUnauthorized: (error: ApiError) => void;
}

let hooks: ClientHooks = { csrfToken: () => undefined, onUnauthorized: () => undefined };

/** Wired once in main.ts: the session store provides the token and handles a lost session. */
export function configureClient(next: ClientHooks): void {
  hooks = next;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** A 401 here is an expected answer (sign-in, the first /me), not a lost session. */
  expectUnauthorized?: boolean;
  signal?: AbortSignal;
}

function urlOf(path: string, query?: Query): string {
  const url = `/api${path}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${url}?${search}` : url;
}

async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    const csrf = hooks.csrfToken();
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  let response: Response;
  try {
    response = await fetch(urlOf(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError('NETWORK_ERROR', 'StoreMAS cannot be reached. Check that the service is running and try again.', 0);
  }
  const text = await response.text();
  let payload: unknown = undefined;
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = undefined;
    }
  }
  if (!response.ok) {
    const body = payload as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined;
    const error = new ApiError(
      body?.error?.code ?? `HTTP_${response.status}`,
      body?.error?.message ?? `The server answered ${response.status} ${response.statusText}.`,
      response.status,
      body?.error?.details,
    );
    if (response.status === 401 && !options.expectUnauthorized) hooks.onUnauthorized(error);
    throw error;
  }
  return payload as T;
}

export const http = {
  get: <T>(path: string, options?: Omit<RequestOptions, 'body'>) => request<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PUT', path, { ...options, body }),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PATCH', path, { ...options, body }),
  delete: <T>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
};

/** A file's bytes as base64, for the JSON import requests (lists, members, staff). */
export async function fileBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}
