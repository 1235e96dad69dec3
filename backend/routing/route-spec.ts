import type { Request, Response } from 'express';
import type { z } from 'zod';

/** Who may call a route: the bearer token it wants (documented as the OpenAPI security). */
export type Access = 'public' | 'user' | 'admin' | 'metrics' | 'public-or-admin';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  /** the body's schema; none = no body (204) */
  schema?: z.ZodType;
  /** application/json unless given */
  contentType?: string;
}

/**
 * One route, as it is mounted (routerFor) and as it is documented (openapi-document): the
 * request schemas here are the ones its handler is given parsed input from.
 */
export interface RouteSpec {
  method: Method;
  /** Express template relative to the group's prefix, e.g. /:id/like */
  path: string;
  summary: string;
  description?: string;
  /** the group's access unless given */
  access?: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** success (and notable non-error) answers by status; errors are the error envelope */
  responses: Record<number, ResponseSpec>;
}

/** The routes of one router, mounted at `prefix` by createApp. */
export interface ApiGroup<R extends Record<string, RouteSpec> = Record<string, RouteSpec>> {
  prefix: string;
  tag: string;
  access: Access;
  routes: R;
}

type Parsed<S> = S extends z.ZodType ? z.infer<S> : undefined;

/** What a handler receives: each part parsed with the route's schema (undefined when it has none). */
export interface RouteInput<S extends RouteSpec> {
  params: Parsed<S['params']>;
  query: Parsed<S['query']>;
  body: Parsed<S['body']>;
}

export type RouteHandler<S extends RouteSpec> = (
  req: Request,
  res: Response,
  input: RouteInput<S>,
) => void | Promise<void>;

/** Keeps each route's literal schema types, so handlers get typed input. */
export function defineApi<const R extends Record<string, RouteSpec>>(group: ApiGroup<R>): ApiGroup<R> {
  return group;
}
