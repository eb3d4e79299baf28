import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiClient } from './api/client.ts';
import { browserSessionStorage, SessionStore } from './auth/sessionStore.ts';
import { loadRuntimeConfig } from './config/runtimeConfig.ts';
import { App } from './App.tsx';
import './styles.css';

const container = document.getElementById('root');
if (container === null) throw new Error('index.html is missing the #root element.');
const root = createRoot(container);

root.render(
  <p className="startup" role="status">
    Loading DermaFollow…
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
