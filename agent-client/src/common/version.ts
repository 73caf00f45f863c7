/** Sent in hello as `client` ("console/0.1.0"), for the server's logs. */
export const CLIENT_VERSION = '0.1.0';
