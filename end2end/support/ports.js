// Fixed loopback ports, overridable, so the provider can be told Plumb's exact redirect URIs
// before any process starts.
export const plumbPort = Number(process.env.PLUMB_E2E_PORT ?? 3910);
export const providerPort = Number(process.env.PROVIDER_E2E_PORT ?? 3911);
/** Extra Plumb processes some tests start: three sharing PostgreSQL, and a solo one. */
export const clusterPorts = [plumbPort + 10, plumbPort + 11, plumbPort + 12];
export const soloPort = plumbPort + 20;
