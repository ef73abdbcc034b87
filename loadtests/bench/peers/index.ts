// Peers several suites share.
export { haproxyPeer, haproxyConfig, type HaproxyOptions } from './haproxy.js';
export { httpProxyPeer } from './http-proxy.js';
export { directPeer } from './direct.js';
export { nginxPeer, nginxConfig, type NginxOptions } from './nginx.js';
export { varnishPeer, varnishVcl, type VarnishOptions } from './varnish.js';
