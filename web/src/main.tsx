import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiClient } from './api/client.ts';
import { browserSessionStorage, SessionStore } from './auth/sessionStore.ts';
import { loadRuntimeConfig } from './config/runtimeConfig.ts';
import { App } from './App.tsx';
import { registerServiceWorker } from './pwa.ts';
import { i18next } from './i18n/index.ts';
import './styles.css';

// Production builds only: the development server's modules change on every save.
if (import.meta.env.PROD) registerServiceWorker();

const container = document.getElementById('root');
if (container === null) throw new Error('index.html is missing the #root element.');
const root = createRoot(container);

root.render(
  <p className="startup" role="status">
    {i18next.t('common:startup')}
  </p>,
);

// The API location is decided per deployment in /config.json, so it is read before anything
// can talk to the server. loadRuntimeConfig never rejects: it falls back to the same origin.
void loadRuntimeConfig().then((config) => {
  const sessionStore = new SessionStore(browserSessionStorage());
  const api = new ApiClient({ baseUrl: config.apiUrl, sessionStore });
  root.render(
    <StrictMode>
      <App services={{ config, api, sessionStore }} />
    </StrictMode>,
  );
});
