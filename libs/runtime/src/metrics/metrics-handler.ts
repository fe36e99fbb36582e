import type { ServiceHttpHandler } from '../service-http.js';
import { PROMETHEUS_CONTENT_TYPE } from './exposition.js';
import type { MetricsRegistry } from './metrics-registry.js';

/** The metrics path every service serves. */
export const METRICS_PATH = '/metrics';

/** Serves `GET /metrics` from `registry` in the Prometheus text format; passes on other paths. */
export function metricsHandler(registry: MetricsRegistry): ServiceHttpHandler {
  return async (req, res) => {
    if (new URL(req.url ?? '/', 'http://service').pathname !== METRICS_PATH) return false;
    const text = await registry.render();
    res.writeHead(200, {
      'content-type': PROMETHEUS_CONTENT_TYPE,
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : text);
    return true;
  };
}
