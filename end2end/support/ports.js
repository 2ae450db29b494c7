// Fixed loopback ports, overridable, so the provider can be told Plumb's exact redirect URI
// before either process starts.
export const plumbPort = Number(process.env.PLUMB_E2E_PORT ?? 3910);
export const providerPort = Number(process.env.PROVIDER_E2E_PORT ?? 3911);
