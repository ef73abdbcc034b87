// @ts-check
// One GET per iteration on the next endpoint, tagged endpoint=<path>, checked for a 2xx/3xx status.
import http from 'k6/http';
import { check } from 'k6';
import { BASE_URL, endpoints } from './config.js';

const ENDPOINTS = endpoints();

/**
 * GET one endpoint (round robin over PATHS by iteration number) and check the answer.
 * @param {number} iteration
 */
export function getNext(iteration) {
  const endpoint = ENDPOINTS[iteration % ENDPOINTS.length];
  return getEndpoint(endpoint);
}

/** @param {{ name: string, path: string }} endpoint */
export function getEndpoint(endpoint) {
  const res = http.get(`${BASE_URL}${endpoint.path}`, {
    tags: { endpoint: endpoint.name, name: endpoint.name },
    timeout: '10s',
  });
  check(res, {
    'status is 2xx/3xx': (r) => r.status >= 200 && r.status < 400,
    'body is not empty': (r) => r.status === 304 || (typeof r.body === 'string' ? r.body.length > 0 : r.body !== null),
  }, { endpoint: endpoint.name });
  return res;
}
