import { createContext, useContext, type ReactNode } from 'react';
import type { ApiClient } from './api/client.ts';
import type { SessionStore } from './auth/sessionStore.ts';
import type { RuntimeConfig } from './config/runtimeConfig.ts';

/** Long-lived objects created once at start-up, shared through context instead of globals. */
export interface AppServices {
  config: RuntimeConfig;
  api: ApiClient;
  sessionStore: SessionStore;
}

const ServicesContext = createContext<AppServices | null>(null);

export function ServicesProvider({
  services,
  children,
}: {
  services: AppServices;
  children: ReactNode;
}) {
  return <ServicesContext value={services}>{children}</ServicesContext>;
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (services === null) throw new Error('useServices must be used inside <ServicesProvider>.');
  return services;
}
