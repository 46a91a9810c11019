import { createApp } from 'vue';
import { createPinia } from 'pinia';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import './assets/base.css';
import App from './App.vue';
import { router } from './router';
import { i18n } from './i18n';
import { configureClient } from './api/client';
import { useSessionStore } from './stores/session';
import { disconnectEvents, onEvent } from './composables/useEvents';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia).use(i18n).use(ElementPlus);

const session = useSessionStore(pinia);

/** The server no longer accepts this session: back to sign-in, saying why. */
function throwOut(reason: 'expired' | 'ended'): void {
  if (!session.signedIn) return;
  disconnectEvents();
  session.end(reason);
  const current = router.currentRoute.value;
  void router.replace({ name: 'login', query: current.meta.public ? {} : { redirect: current.fullPath } });
}

configureClient({
  csrfToken: () => session.csrfToken,
  onUnauthorized: () => throwOut('expired'),
});
// Disabling a user or resetting their password ends their sessions: the open UI leaves at once.
onEvent('session.ended', () => throwOut('ended'));

app.use(router);
app.mount('#app');
