import { apiSurface } from '../../backend/api-docs/api-surface';
import { installedFeatures } from '../../backend/features/installed-features';

/** The API this build serves: the core's and every installed feature's routes and events. */
export const installedSurface = apiSurface(installedFeatures);
