import { z } from 'zod';
import { defineApi } from '../routing/route-spec';

/** The API description's own routes (createApiDocs). */
export const docsApi = defineApi({
  prefix: '',
  tag: 'operations',
  access: 'public',
  routes: {
    openapi: {
      method: 'get',
      path: '/openapi.json',
      summary: 'This document: OpenAPI 3.1',
      responses: { 200: { description: 'the OpenAPI document', schema: z.record(z.string(), z.unknown()) } },
    },
    asyncapi: {
      method: 'get',
      path: '/asyncapi.json',
      summary: 'The Socket.IO events: AsyncAPI 3.0',
      responses: { 200: { description: 'the AsyncAPI document', schema: z.record(z.string(), z.unknown()) } },
    },
    page: {
      method: 'get',
      path: '/docs',
      summary: 'The docs page (HTML) rendering both documents',
      responses: { 200: { description: 'the page', schema: z.string(), contentType: 'text/html' } },
    },
  },
});
