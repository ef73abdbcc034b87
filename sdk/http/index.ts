// Public API of the smart HTTP client.
export { createHttpClient, type HttpClient, type HttpClientOptions, type HttpRequestInit, type HostView } from './client.js';
export { HttpResponse } from './response.js';
export { hostsFromGatewayStats, normalizeOrigin, type DiscoveryOptions, type DiscoveredHost } from './discovery.js';
export { isRetryable } from './dispatch.js';
export { classifyError } from './attempt.js';
