import { adminApi } from '../admin/admin-routes';
import { healthApi } from '../health/health-routes';
import { metricsApi } from '../health/metrics-api';
import { conversationsApi, messagesApi } from '../modules/messages/messages-routes';
import { notificationsApi } from '../modules/notifications/notifications-routes';
import { authorPostsApi } from '../modules/posts/author-posts-routes';
import { feedAdminApi } from '../modules/posts/feed-admin-routes';
import { feedApi } from '../modules/posts/feed-routes';
import { postsApi } from '../modules/posts/posts-routes';
import { authApi } from '../modules/users/auth-routes';
import { usersApi } from '../modules/users/users-routes';
import { presenceAdminApi } from '../presence/presence-admin-routes';
import type { ApiGroup } from '../routing/route-spec';
import { docsApi } from './docs-api';

/**
 * The core's routers' specs, in the order createApp mounts them; installed features add
 * theirs (Feature.api). A router mounted but documented nowhere is caught by
 * tests/integration/api-docs-coverage.test.ts.
 */
export const apiGroups: ApiGroup[] = [
  docsApi,
  healthApi,
  metricsApi,
  adminApi,
  presenceAdminApi,
  feedAdminApi,
  authApi,
  usersApi,
  authorPostsApi,
  postsApi,
  feedApi,
  messagesApi,
  conversationsApi,
  notificationsApi,
];
